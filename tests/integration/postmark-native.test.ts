// PostMark re-implementation (guest-src/app/postmark/postmark.c), built and run
// natively: its counts must depend only on the parameters (same on every file
// system), agree with an independent TypeScript model of the algorithm, and
// match the values the original PostMark 1.5 reports for its defaults.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MT19937, POSTMARK_DEFAULTS, modelPostmark, type PostmarkCounts, type PostmarkParams } from '../helpers/mt19937.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.resolve(here, '../../guest-src/app/postmark/postmark.c');
const MUSL_GCC = '/usr/bin/musl-gcc';
const CFLAGS = ['-std=c99', '-pedantic', '-O2', '-Wall', '-Wextra', '-Werror'];

// What PostMark 1.5 prints for its defaults (500 files, 500 transactions,
// 500..10000 bytes, seed 42): 764 created (500 alone + 264 mixed), 243 read,
// 257 appended, 764 deleted (528 alone + 236 mixed), 1.36 MB read, 4.45 MB
// written.  The byte counts are exact sums.
const DEFAULT_COUNTS: PostmarkCounts = {
  files_created: 764,
  files_read: 243,
  files_appended: 257,
  files_deleted: 764,
  bytes_read: 1430770,
  bytes_written: 4662068,
  transactions: 500,
};

let work: string;
let binary: string;
const scratch: string[] = [];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], opts: { cwd?: string; input?: string } = {}): Run {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function compile(cc: string, out: string, extra: string[] = []): void {
  const r = run(cc, [...CFLAGS, ...extra, '-o', out, SOURCE]);
  expect(r.stderr, `${cc} diagnostics`).toBe('');
  expect(r.status).toBe(0);
}

function scratchDir(parent: string): string {
  const d = mkdtempSync(path.join(parent, 'pm-'));
  scratch.push(d);
  return d;
}

/** Parses the postmark-result line; exactly one per run. */
function result(stdout: string): PostmarkCounts & { seconds: number; tps: number } {
  const lines = stdout.split('\n').filter((l) => l.startsWith('postmark-result '));
  expect(lines).toHaveLength(1);
  const m = lines[0].match(
    /^postmark-result files_created=(\d+) files_read=(\d+) files_appended=(\d+) files_deleted=(\d+) bytes_read=(\d+) bytes_written=(\d+) transactions=(\d+) seconds=(\d+\.\d+) tps=(\d+\.\d+)$/,
  );
  expect(m, lines[0]).not.toBeNull();
  const n = m!.slice(1).map(Number);
  return {
    files_created: n[0],
    files_read: n[1],
    files_appended: n[2],
    files_deleted: n[3],
    bytes_read: n[4],
    bytes_written: n[5],
    transactions: n[6],
    seconds: n[7],
    tps: n[8],
  };
}

function counts(r: PostmarkCounts): PostmarkCounts {
  const { files_created, files_read, files_appended, files_deleted, bytes_read, bytes_written, transactions } = r;
  return { files_created, files_read, files_appended, files_deleted, bytes_read, bytes_written, transactions };
}

/** Runs postmark with -c commands in dir; expects success and an emptied dir. */
function postmark(bin: string, dir: string, commands: string[]): ReturnType<typeof result> {
  const args = [...commands, `set location ${dir}`, 'run'].flatMap((c) => ['-c', c]);
  const r = run(bin, args, { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(readdirSync(dir)).toEqual([]);
  return result(r.stdout);
}

// A workload that exercises subdirectories, raw I/O, odd block sizes, appends
// that reach the maximum size and the hole-filling slot allocation.
const SMALL = [
  'set number 300',
  'set transactions 4000',
  'set size 100 8000',
  'set read 1000',
  'set write 700',
  'set subdirectories 4',
  'set buffering false',
  'set seed 1234',
];
const SMALL_MODEL: PostmarkParams = {
  ...POSTMARK_DEFAULTS,
  number: 300,
  transactions: 4000,
  sizeLow: 100,
  sizeHigh: 8000,
  subdirectories: 4,
  seed: 1234,
};

beforeAll(() => {
  work = scratchDir(os.tmpdir());
  binary = path.join(work, 'postmark');
  compile('gcc', binary);
});

afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('MT19937 (TypeScript model)', () => {
  it('reproduces the 1999 reference generator', () => {
    // First outputs of the original sgenrand/genrand for seeds 4357 and 42.
    const a = new MT19937(4357);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual([2867219139, 1585203162, 3113124129, 2953900839, 2463794868]);
    const b = new MT19937(42);
    expect(Array.from({ length: 5 }, () => b.next())).toEqual([4179544424, 615236124, 4165290828, 3119652344, 1623863471]);
    const c = new MT19937(); // unseeded: defaults to 4357
    expect(c.next()).toBe(2867219139);
  });

  it('predicts HermiTux configuration counts (3000 files, 20000 transactions, 128 KiB)', () => {
    // Also what postmark.c and the original PostMark 1.5 report for it.
    expect(modelPostmark({ ...POSTMARK_DEFAULTS, number: 3000, transactions: 20000, sizeLow: 131072, sizeHigh: 131072 })).toEqual({
      files_created: 13050,
      files_read: 10022,
      files_appended: 0,
      files_deleted: 13050,
      bytes_read: 1313603584,
      bytes_written: 1710489600,
      transactions: 20000,
    });
  });
});

describe('postmark (native gcc build)', () => {
  it('defaults give the counts the original reports, and the model agrees', () => {
    const r = postmark(binary, scratchDir(os.tmpdir()), []);
    expect(counts(r)).toEqual(DEFAULT_COUNTS);
    expect(modelPostmark(POSTMARK_DEFAULTS)).toEqual(DEFAULT_COUNTS);
    expect(r.tps).toBeGreaterThan(0);
    expect(r.seconds).toBeGreaterThan(0);
  });

  it('counts are identical on two different file systems and match the model', () => {
    const a = postmark(binary, scratchDir(os.tmpdir()), SMALL);
    const dirs = existsSync('/dev/shm') ? ['/dev/shm', os.homedir()] : [os.homedir()];
    const b = postmark(binary, scratchDir(dirs[0]), SMALL);
    expect(counts(b)).toEqual(counts(a));
    expect(counts(a)).toEqual(modelPostmark(SMALL_MODEL));
    expect(a.files_appended).toBeGreaterThan(0);
    expect(a.files_created).toBeGreaterThan(300);
  });

  it('buffered and raw I/O perform the same operations', () => {
    const dir = scratchDir(os.tmpdir());
    const raw = postmark(binary, dir, SMALL);
    const buffered = postmark(binary, dir, [...SMALL, 'set buffering true']);
    expect(counts(buffered)).toEqual(counts(raw));
  });

  it('follows the model for other parameter sets', () => {
    const cases: Array<[string[], Partial<PostmarkParams>]> = [
      // HermiTux-like: fixed size, so no size draws and no appends
      [
        ['set size 4096 4096', 'set number 50', 'set transactions 400', 'set seed 9'],
        { sizeLow: 4096, sizeHigh: 4096, number: 50, transactions: 400, seed: 9 },
      ],
      // deletes only: runs out of files after 20 transactions
      [['set number 20', 'set transactions 100', 'set bias create 0', 'set bias read 10'], { number: 20, transactions: 100, biasCreate: 0, biasRead: 10 }],
      // creates only with a small table: the table fills and creation stops
      [
        ['set number 10', 'set transactions 50', 'set bias create 10', 'set bias read -1', 'set size 1 3'],
        { number: 10, transactions: 50, biasCreate: 10, biasRead: -1, sizeLow: 1, sizeHigh: 3 },
      ],
    ];
    const dir = scratchDir(os.tmpdir());
    for (const [cmds, params] of cases) {
      const r = postmark(binary, dir, cmds);
      expect(counts(r), cmds.join('; ')).toEqual(modelPostmark({ ...POSTMARK_DEFAULTS, ...params }));
    }
  });

  it('reads commands from a file argument and from stdin', () => {
    const dir = scratchDir(os.tmpdir());
    const script = `# comment\nset location ${dir}\nset number 40\nset transactions 90\nshow\nrun\nquit\nrun\n`;
    const cfg = path.join(work, 'pm.cfg');
    writeFileSync(cfg, script);
    const fromFile = run(binary, [cfg], { cwd: dir });
    const fromStdin = run(binary, [], { cwd: dir, input: script });
    expect(fromFile.status).toBe(0);
    expect(fromStdin.status).toBe(0);
    const expected = modelPostmark({ ...POSTMARK_DEFAULTS, number: 40, transactions: 90 });
    expect(counts(result(fromFile.stdout))).toEqual(expected); // quit stops before the 2nd run
    expect(counts(result(fromStdin.stdout))).toEqual(expected);
    expect(fromFile.stdout).toMatch(/Time:\n.*seconds total\n.*seconds of transactions/);
  });

  it('rejects bad commands and values with one line on stderr', () => {
    const bad = [
      ['-c', 'frobnicate'],
      ['-c', 'set number -3'],
      ['-c', 'set bias read 11'],
      ['-c', 'set size 100 50'],
      ['-c', 'set buffering maybe'],
      ['--bogus'],
    ];
    for (const args of bad) {
      const r = run(binary, args, { cwd: work });
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).not.toContain('postmark-result');
    }
    const viaStdin = run(binary, [], { cwd: work, input: 'set number 5\nnonsense here\nrun\n' });
    expect(viaStdin.status).not.toBe(0);
    expect(viaStdin.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(viaStdin.stderr).toContain('<stdin>:2');
  });

  it('fails with one line when files cannot be created', () => {
    const missing = path.join(work, 'no', 'such', 'dir');
    const r = run(binary, ['-c', `set location ${missing}`, '-c', 'run'], { cwd: work });
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot create');
  });

  it('builds with musl-gcc -static and reports identical counts', () => {
    const musl = path.join(work, 'postmark-musl');
    compile(MUSL_GCC, musl, ['-static']);
    const dir = scratchDir(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
    expect(counts(postmark(musl, dir, []))).toEqual(DEFAULT_COUNTS);
    expect(counts(postmark(musl, dir, SMALL))).toEqual(modelPostmark(SMALL_MODEL));
  });
});

// `npm run bench:postmark`: PostMark (guest-src/app/postmark/postmark.c) with its
// defaults and with HermiTux's configuration, on the guest's RAM file system, on the
// host share (/host, forwarded through the file hypercalls; the shared directory is
// on /dev/shm so the host side costs as little as it can), and natively on Linux on
// /dev/shm and on disk. Prints transactions per second side by side and returns the
// figures.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GUEST_BIN_DIR, PROJECT_ROOT, VMM_NODE_ARGS } from '../vmm/paths.js';
import { median } from '@unikv/bench-kit/stats';
import { type BenchOptions, type Benchmark, runCommandLine } from './lib/cli.js';
import { type BenchReport, type Figure, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';
import { hostSyscallLine } from './lib/native-getpid.js';

const GUEST = path.join(GUEST_BIN_DIR, 'postmark', 'postmark.elf');
const SOURCE = path.join(PROJECT_ROOT, 'guest-src', 'app', 'postmark', 'postmark.c');

interface Config {
  name: string;
  commands: string[];
  mem: string;
}
const CONFIGS: Config[] = [
  { name: 'defaults (500 files, 500 tx)', commands: [], mem: '256M' },
  {
    name: 'HermiTux (3000 x 128 KiB, 20000 tx)',
    commands: ['set number 3000', 'set transactions 20000', 'set size 131072 131072', 'set read 4096', 'set write 4096'],
    mem: '2G',
  },
];

interface Result {
  tps: number;
  seconds: number;
}

function parse(out: string, what: string): Result {
  const m = /postmark-result .* seconds=([0-9.]+) tps=([0-9.]+)/.exec(out);
  if (!m) throw new Error(`${what}: no postmark-result line in its output:\n${out}`);
  return { seconds: Number(m[1]), tps: Number(m[2]) };
}

/**
 * Rounds of the four runs per configuration (--rounds N). Five: single rounds of the
 * same build differ widely on a shared machine, and a median of three still moves
 * with one bad round (docs/history.md).
 */
const ROUNDS = 5;

const args = (cfg: Config, location: string) => [...cfg.commands, `set location ${location}`, 'run'].flatMap((c) => ['-c', c]);

function runGuest(cfg: Config, extra: string[], location: string, what: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, GUEST, '--mem', cfg.mem, ...extra, '--', ...args(cfg, location)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (status) => {
      if (status !== 0) reject(new Error(`${what} exited with ${status}`));
      else {
        try {
          resolve(parse(out, what));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

function runNative(bin: string, cfg: Config, dir: string, what: string): Result {
  const r = spawnSync(bin, args(cfg, dir), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}: ${r.stderr}`);
  return parse(r.stdout, what);
}

export async function benchPostmark(options: BenchOptions = {}): Promise<BenchReport> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-postmark-'));
  const shmBase = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const diskBase = path.join(PROJECT_ROOT, 'build');
  const bin = path.join(work, 'postmark-native');
  const cc = spawnSync('gcc', ['-O2', '-o', bin, SOURCE], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
  const rows: (string | number)[][] = [];
  const figures: Figure[] = [];
  const rounds = options.rounds ?? ROUNDS;
  try {
    for (const cfg of CONFIGS) {
      // The four places in turn, `rounds` times: the machine's speed drifts within
      // minutes, so each ratio is taken within a round, then the median.
      const tps: Record<'ram' | 'host' | 'shm' | 'disk', number[]> = { ram: [], host: [], shm: [], disk: [] };
      for (let round = 1; round <= rounds; round++) {
        const of = `${cfg.name}, round ${round}/${rounds}`;
        progress(`${of}: guest RAM file system`);
        tps.ram.push((await runGuest(cfg, [], '/', 'guest ramfs')).tps);
        const share = fs.mkdtempSync(path.join(shmBase, 'unikv-pm-share-'));
        progress(`${of}: guest host share (${share})`);
        try {
          tps.host.push((await runGuest(cfg, ['--share', share], '/host', 'guest host share')).tps);
        } finally {
          fs.rmSync(share, { recursive: true, force: true });
        }
        for (const [key, base] of [
          ['shm', shmBase],
          ['disk', diskBase],
        ] as const) {
          const dir = fs.mkdtempSync(path.join(base, 'unikv-pm-'));
          progress(`${of}: native on ${key} (${dir})`);
          try {
            tps[key].push(runNative(bin, cfg, dir, `native ${key}`).tps);
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
          // The disk run leaves gigabytes to write back: let that finish here, not
          // during the next round's measurements.
          if (key === 'disk') spawnSync('sync');
        }
      }
      const perRound = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);
      const ramHost = perRound(tps.ram, tps.host);
      const ramShm = perRound(tps.ram, tps.shm);
      rows.push([
        cfg.name,
        median(tps.ram).toFixed(0),
        median(tps.host).toFixed(0),
        median(tps.shm).toFixed(0),
        median(tps.disk).toFixed(0),
        `${median(ramHost).toFixed(2)}x (${ramHost.map((r) => r.toFixed(2)).join(' / ')})`,
        `${median(ramShm).toFixed(3)}x (${ramShm.map((r) => r.toFixed(2)).join(' / ')})`,
      ]);
      const short = cfg.name.split(' (')[0];
      figures.push(
        figure(`${short}: guest ramfs`, 'tps', 'higher', tps.ram),
        figure(`${short}: guest /host share`, 'tps', 'higher', tps.host),
        figure(`${short}: native /dev/shm`, 'tps', 'higher', tps.shm),
        figure(`${short}: native disk`, 'tps', 'higher', tps.disk),
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(
    `PostMark transactions per second (median of ${rounds} rounds; ratios per round in brackets)`,
    ['configuration', 'guest ramfs', 'guest /host', 'native shm', 'native disk', 'ramfs/host (goal >= 5x)', 'ramfs/shm (goal >= 0.5x)'],
    rows,
  );
  // The share and native columns pay the host's system calls, the ramfs column does not.
  console.log(hostSyscallLine());
  return { name: 'postmark', title: 'PostMark transactions per second', figures };
}

export const postmarkBenchmark: Benchmark = {
  name: 'postmark',
  summary: 'PostMark: guest ramfs and host share, native shm and disk',
  defaultRounds: `${ROUNDS} rounds`,
  run: benchPostmark,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runCommandLine([postmarkBenchmark], process.argv.slice(2), 'npm run bench:postmark --');

// `npm run bench -- --help` names every benchmark and its options and runs nothing;
// a bad selection is one line and status 2 before anything runs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BENCHMARKS = ['boot', 'front-door', 'smp', 'postmark', 'kv', 'kv-backends', 'programs', 'strace', 'net', 'gdb', 's3-hang'];

describe('npm run bench', () => {
  it('--help lists the benchmarks and options, starts nothing, and exits 0', () => {
    const r = spawnSync('npm', ['run', '-s', 'bench', '--', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const name of BENCHMARKS) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    for (const option of ['--rounds', '--json', '--out']) expect(r.stdout).toContain(option);
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown benchmark name in one line, before running any', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/bench/run.js'), 'front-door', 'warp-drive'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`bench: unknown benchmark warp-drive (one of: ${BENCHMARKS.join(', ')})\n`);
  });

  it('the sector workspace benchmark answers --help too, without running', () => {
    const r = spawnSync('npm', ['run', '-s', 'bench:sector', '--', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--quick');
    expect(r.stderr).toBe('');
  });
});

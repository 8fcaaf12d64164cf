// A selection runs only the benchmarks named, and --json keeps every figure with its
// rounds: the front-door benchmark (the quickest) with one round, into a temporary
// directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-bench-selection-'));

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('npm run bench -- NAME', () => {
  it('runs only front-door and writes its chart and figures where asked', () => {
    const json = path.join(out, 'run.json');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/bench/run.js'), 'front-door', '--rounds', '1', '--out', out, '--json', json], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Front door');
    expect(r.stdout).not.toMatch(/Boot issue|SMP issue|PostMark|kvbench|Real programs/);
    expect(fs.readdirSync(out).sort()).toEqual(['front-door.json', 'front-door.svg', 'run.json']);

    const run = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(run.provenance).toMatchObject({ date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), cpu: expect.any(String), node: process.version });
    expect(run.benchmarks.map((b: { name: string }) => b.name)).toEqual(['front-door']);
    const figures = run.benchmarks[0].figures;
    expect(figures.map((f: { name: string }) => f.name)).toEqual(['unikv run hello.elf', 'npm run vm -- hello.elf', 'node -e 0 (for scale)']);
    for (const f of figures) {
      expect(f).toMatchObject({ unit: 'ms', better: 'lower', rounds: 1, samples: [expect.any(Number)] });
      expect(f.median).toBe(f.samples[0]);
    }
    const svg = fs.readFileSync(path.join(out, 'front-door.svg'), 'utf8');
    expect(svg).toContain(run.provenance.cpu);
    expect(svg).toContain('1 round');
  });
});

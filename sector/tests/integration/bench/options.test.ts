// bench:sector's command line: a bad option is one line and status 2, before anything
// runs (no stack trace, no table of NaN, no chart overwritten).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../../helpers.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'dist/bench/sector.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe('bench:sector options', () => {
  beforeAll(() => ensureBuilt());

  for (const [args, message] of [
    [['--bogus'], /^bench: Unknown option '--bogus'/],
    [['--out'], /^bench: Option '--out <value>' argument missing/],
    [['--out', path.join(ROOT, 'package.json', 'x')], /^bench: --out .*package\.json\/x: ENOTDIR$/],
  ] as const) {
    it(`sector.js ${args.join(' ')} is refused`, () => {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    });
  }
});

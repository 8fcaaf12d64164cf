// The benchmark scripts' command lines: a bad option is one line and status 2, before
// anything runs (no stack trace, no table of NaN, no chart overwritten).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'dist/bench', script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe('benchmark options', () => {
  for (const [script, option, value] of [
    ['postmark.js', '--rounds', 'abc'],
    ['postmark.js', '--rounds', '0'],
    ['postmark.js', '--rounds', '101'],
    ['kv.js', '--rounds', '-1'],
    ['kv.js', '--rgw-ops', '2.5'],
    ['kv-backends.js', '--keys', ''],
  ]) {
    it(`${script} ${option} '${value}' is refused`, () => {
      const r = run(script, option, value);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^bench: ${option} must be a whole number from 1 to \\d+ \\(got '${value.replace('.', '\\.')}'\\)$`)),
      ]);
    });
  }
});

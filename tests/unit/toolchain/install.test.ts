// toolchain/install.sh's command line (nothing is installed here): it parses, --help
// names both forms and installs nothing, and an unknown argument is one line, status 2.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, '../../../toolchain/install.sh');
const bash = (...args: string[]) => spawnSync('bash', args, { encoding: 'utf8', timeout: 30_000 });

describe('toolchain/install.sh', () => {
  it('is valid bash', () => {
    expect(bash('-n', SCRIPT).status).toBe(0);
  });

  it('--help describes the minimal and the test install, and exits 0', () => {
    const r = bash(SCRIPT, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('toolchain/install.sh --with-tests');
    expect(r.stdout).toMatch(/libunicorn2/);
    expect(r.stdout).not.toMatch(/^#|set -euo/m);
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown argument in one line with status 2', () => {
    const r = bash(SCRIPT, '--with-rgw-typo');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["install: unknown argument '--with-rgw-typo' (try --help)"]);
  });
});

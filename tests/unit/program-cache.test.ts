// The real programs' build cache (toolchain/programs/cache.ts): a second build of the
// same content is skipped, and any change of an input, a tool version or a missing
// output builds again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCached, contentHash, type Recipe } from '../../toolchain/programs/cache.js';
import { PROGRAMS_DIR } from '../../toolchain/programs/paths.js';

let dir: string;
let builds: number;
const name = `unit-cache-${process.pid}`;

function recipe(salt = 'tool 1.0'): Recipe {
  const source = path.join(dir, 'main.src');
  const output = path.join(dir, 'out', 'main');
  return {
    name,
    inputs: [source],
    salt: [salt],
    outputs: [output],
    build() {
      builds++;
      fs.writeFileSync(output, fs.readFileSync(source));
    },
  };
}

const quiet = () => {};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-cache-'));
  fs.writeFileSync(path.join(dir, 'main.src'), 'one');
  builds = 0;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.join(PROGRAMS_DIR, `${name}.hash`), { force: true });
});

describe('real-program build cache', () => {
  it('builds once, then skips while nothing changed', async () => {
    await buildCached(recipe(), quiet);
    await buildCached(recipe(), quiet);
    expect(builds).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'out', 'main'), 'utf8')).toBe('one');
  });

  it('builds again when a source, a tool version or an output changes', async () => {
    await buildCached(recipe(), quiet);
    fs.writeFileSync(path.join(dir, 'main.src'), 'two');
    await buildCached(recipe(), quiet);
    expect(fs.readFileSync(path.join(dir, 'out', 'main'), 'utf8')).toBe('two');
    await buildCached(recipe('tool 1.1'), quiet);
    fs.rmSync(path.join(dir, 'out', 'main'));
    await buildCached(recipe('tool 1.1'), quiet);
    expect(builds).toBe(4);
  });

  it('hashes content, not timestamps', () => {
    const before = contentHash(recipe());
    fs.utimesSync(path.join(dir, 'main.src'), new Date(0), new Date(0));
    expect(contentHash(recipe())).toBe(before);
  });
});

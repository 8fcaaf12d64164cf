// bench:sector's reference: the service's exchange in C must build on the host and
// give a rate with and without the disk, and refuse impossible shapes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SectorPattern } from '../../../bench/lib/native-pattern.js';

describe('the C reference of the sector exchange', () => {
  let pattern: SectorPattern;
  let dir: string;
  let image: string;
  beforeAll(() => {
    pattern = SectorPattern.build();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sector-pattern-test-'));
    image = path.join(dir, 'disk.img');
    fs.writeFileSync(image, crypto.randomBytes(1 << 20));
  });
  afterAll(() => {
    pattern.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads sectors of an image with several client processes', () => {
    expect(pattern.rate(2, 4, 0.3, image)).toBeGreaterThan(100);
  });

  it('answers from memory without an image', () => {
    expect(pattern.rate(1, 2, 0.3)).toBeGreaterThan(100);
  });

  it('refuses more threads than the service allows, and a missing image', () => {
    expect(() => pattern.rate(8, 9, 0.1)).toThrow(/need 1 <= PROCESSES x THREADS <= 64/);
    expect(() => pattern.rate(1, 1, 0.1, path.join(dir, 'missing.img'))).toThrow(/cannot use image/);
  });
});

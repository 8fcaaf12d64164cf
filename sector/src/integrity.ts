// ./bin/tool_for_integrity IMAGE SECTORS READS
//
// Proves a client's replies: reply i claims to be sector S_i (line i of SECTORS) with
// the 512 bytes at offset i*512 of READS; each is compared with the image itself (read
// through the page cache, independently of the service). Prints how many replies were
// verified; exits 1 on the first kind of disagreement it finds, 2 on bad usage.
import fs from 'node:fs';
import { SECTOR_SIZE } from './protocol.js';

const USAGE = 'usage: tool_for_integrity IMAGE SECTORS READS';
const CHUNK = 2048; // replies compared per read of READS

function die(message: string, status = 1): never {
  console.error(message);
  process.exit(status);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    die(`tool_for_integrity: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

function openFile(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    die(`tool_for_integrity: cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.length !== 3) die(USAGE, 2);
  const [imagePath, sectorsPath, readsPath] = args;
  const image = openFile(imagePath);
  const reads = openFile(readsPath);
  const imageSectors = Math.floor(fs.fstatSync(image).size / SECTOR_SIZE);
  const text = readText(sectorsPath);
  const lines = text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
  const readsBytes = fs.fstatSync(reads).size;
  if (readsBytes !== lines.length * SECTOR_SIZE) {
    die(
      `tool_for_integrity: ${readsPath} holds ${readsBytes} bytes but ${sectorsPath} lists ${lines.length} sectors (expected ${lines.length * SECTOR_SIZE} bytes)`,
    );
  }
  const got = Buffer.alloc(CHUNK * SECTOR_SIZE);
  const want = Buffer.alloc(SECTOR_SIZE);
  let bad = 0;
  let firstBad = '';
  for (let base = 0; base < lines.length; base += CHUNK) {
    const n = Math.min(CHUNK, lines.length - base);
    fs.readSync(reads, got, 0, n * SECTOR_SIZE, base * SECTOR_SIZE);
    for (let i = 0; i < n; i++) {
      const line = lines[base + i];
      const sector = /^[0-9]+$/.test(line) ? Number(line) : Number.NaN;
      let ok = sector < imageSectors;
      if (ok) {
        fs.readSync(image, want, 0, SECTOR_SIZE, sector * SECTOR_SIZE);
        ok = want.equals(got.subarray(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE));
      }
      if (!ok && bad++ === 0) firstBad = `reply ${base + i + 1} (sector "${line}")`;
    }
  }
  if (bad > 0) die(`tool_for_integrity: ${bad} of ${lines.length} replies do not match ${imagePath}; the first is ${firstBad}`);
  console.log(`verified ${lines.length} replies: every sector matches ${imagePath}`);
}

main();

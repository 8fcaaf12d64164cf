// CRC-32 (the zlib / IEEE 802.3 polynomial), used to catch torn and damaged records.
//
// node:zlib has crc32 from Node 20.15; older Node 20 releases get the table
// version below, which gives the same numbers.

import * as zlib from 'node:zlib';

const REVERSED_POLYNOMIAL = 0xedb88320;

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ REVERSED_POLYNOMIAL : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
}

let table: Uint32Array | undefined;

function crc32ByTable(data: Uint8Array): number {
  table ??= buildTable();
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export const crc32: (data: Uint8Array) => number = native ? (data) => native(data) >>> 0 : crc32ByTable;

/** For tests: the portable version, whatever this Node provides. */
export const crc32Portable = crc32ByTable;

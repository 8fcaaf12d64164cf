// The sector service's exchange in C (sector/bench/native/sector-pattern.c), built with the
// host's gcc and run natively: one server process, P client processes of T threads,
// each thread sleeping on a futex until the server has read its sector with O_DIRECT
// AIO. It has none of the project's JavaScript, checks, cache or reply files, so its
// rate is what this machine's kernel and disk allow for the pattern itself: the
// reference bench:sector sets the service's rate against (the disk alone at a fixed
// queue depth says what the disk allows, not what sleeping and waking 64 threads
// costs, which on a virtual machine is most of a read).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { buildNative, type NativeProgram } from '@unikv/bench-kit/native-build';

const SOURCE = path.join(PACKAGE_ROOT, 'bench', 'native', 'sector-pattern.c');

export class SectorPattern {
  private constructor(private readonly program: NativeProgram) {}

  /** Compiles the reference program into a temporary directory (dispose() removes it). */
  static build(): SectorPattern {
    return new SectorPattern(buildNative(SOURCE, ['-pthread']));
  }

  /** Reads per second with `processes` x `threads` clients for `seconds`; without an image, replies come from memory. */
  rate(processes: number, threads: number, seconds: number, image?: string): number {
    const args = [String(processes), String(threads), String(seconds), ...(image === undefined ? [] : [image])];
    const r = spawnSync(this.program.bin, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
    const m = /reads_per_s=(\d+)/.exec(r.stdout ?? '');
    if (r.status !== 0 || !m) throw new Error(`sector-pattern ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
    return Number(m[1]);
  }

  dispose(): void {
    this.program.dispose();
  }
}

// `npm run build` (after `npm run generate` and tsc): bundle the VMM's command
// line into one file, assemble and link the kernel, build the guest library and
// every bundled guest program, then the loader's glibc variants and the real programs
// (toolchain/programs/, cached by content), each skipped with one line when its
// toolchain is missing (toolchain/host-tools.ts). Prints one line per step so a slow
// machine shows progress.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { MEM } from '../vmm/generated/abi.js';
import { BUILD_DIR, GUEST_BIN_DIR, KERNEL_ELF, PROJECT_ROOT, VMM_SNAPSHOT, VMM_SNAPSHOT_NODE } from '../vmm/paths.js';
import { compileGuest, ensureGuestLib, runTool, ToolError } from './guest-toolchain.js';
import { GLIBC_DEV, missingTool } from './host-tools.js';
import { buildRealPrograms } from './programs/build.js';

const KERNEL_SRC = path.join(PROJECT_ROOT, 'guest-src', 'kernel');
/** Guest programs built into build/guest/<group>/NAME.elf. */
const PROGRAM_GROUPS = ['examples', 'tests', 'bench', 'postmark'];
/** Programs built with debugging information and without optimisation, for the gdb tests. */
const DEBUG_INFO = new Set(['tests/gdbtarget']);

const step = (what: string) => process.stderr.write(`build: ${what}\n`);

/**
 * dist/vmm/cli/main.js, as tsc wrote it, imports some forty modules; Node 20's ES-module
 * loader pays a cost for each, and people boot guests in loops. esbuild rewrites it
 * in place as one file (figures in docs/history.md). koffi (a native
 * addon) and yargs (loaded through its CommonJS build) stay outside; the proxy's
 * thread (dist/proxy/thread.js) is a separate entry that tsc's output already provides.
 */
function bundleCli(): void {
  step('vmm command line (esbuild: dist/vmm/cli/main.js as one file)');
  const cli = path.join(PROJECT_ROOT, 'dist', 'vmm', 'cli', 'main.js');
  buildSync({
    entryPoints: [cli],
    outfile: cli,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['koffi', 'yargs'],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

/**
 * build/vmm/cli.blob: a V8 start-up snapshot of the command line (cli/snapshot.ts),
 * so that `npm run vm` neither finds, reads nor compiles a module, yargs included
 * (figures in docs/history.md). The snapshot builder runs one CommonJS file
 * that needs only Node's built-in modules, hence this second bundle; import.meta.url
 * becomes the bundle's own URL, which sits beside the modules it refers to.
 */
function buildCliSnapshot(): void {
  step('vmm start-up snapshot (build/vmm/cli.blob)');
  const entry = path.join(PROJECT_ROOT, 'dist', 'vmm', 'cli', 'snapshot.js');
  const bundle = path.join(PROJECT_ROOT, 'dist', 'vmm', 'cli', 'snapshot.cjs');
  buildSync({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['koffi'],
    logLevel: 'warning',
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': 'importMetaUrl' },
  });
  fs.mkdirSync(path.dirname(VMM_SNAPSHOT), { recursive: true });
  fs.rmSync(VMM_SNAPSHOT_NODE, { force: true });
  const r = spawnSync(process.execPath, ['--snapshot-blob', VMM_SNAPSHOT, '--build-snapshot', bundle], { encoding: 'utf8' });
  if (r.status !== 0) throw new ToolError(`node --build-snapshot failed: ${(r.stderr || r.error?.message || '').trim()}`);
  // The snapshot loads only in the Node that made it: bin/unikv starts that one.
  fs.symlinkSync(fs.realpathSync(process.execPath), VMM_SNAPSHOT_NODE);
}

function buildKernel(): void {
  const obj = path.join(BUILD_DIR, 'kernel', 'kernel.o');
  fs.mkdirSync(path.dirname(obj), { recursive: true });
  step('kernel (nasm + ld)');
  runTool('nasm', ['-f', 'elf64', '-I', `${KERNEL_SRC}/`, path.join(KERNEL_SRC, 'kernel.asm'), '-o', obj], 'nasm');
  runTool(
    'ld',
    [
      '-static',
      '-nostdlib',
      '-z',
      'max-page-size=4096',
      '-z',
      'noexecstack',
      `-Ttext-segment=0x${MEM.KERNEL_BASE.toString(16)}`,
      '--emit-relocs', // the VMM moves the kernel to the top of RAM with these (vmm/elf.ts relocateElf)
      '-e',
      'kernel_entry',
      obj,
      '-o',
      KERNEL_ELF,
    ],
    'binutils',
  );
}

function buildPrograms(): void {
  for (const group of PROGRAM_GROUPS) {
    const dir = path.join(PROJECT_ROOT, 'guest-src', 'app', group);
    if (!fs.existsSync(dir)) continue;
    const out = path.join(GUEST_BIN_DIR, group);
    fs.mkdirSync(out, { recursive: true });
    for (const entry of fs.readdirSync(dir)) {
      const src = path.join(dir, entry);
      // A program is one .c file, or a directory of .c files built together.
      const sources = entry.endsWith('.c')
        ? [src]
        : fs.statSync(src).isDirectory()
          ? fs
              .readdirSync(src)
              .filter((f) => f.endsWith('.c'))
              .map((f) => path.join(src, f))
          : [];
      if (sources.length === 0) continue;
      const name = entry.replace(/\.c$/, '');
      step(`guest ${group}/${name}`);
      compileGuest(['-O2', '-Wall', '-Wextra', ...(DEBUG_INFO.has(`${group}/${name}`) ? ['-g', '-O0'] : []), ...sources, '-o', path.join(out, `${name}.elf`)]);
    }
  }
}

/**
 * guest-src/app/tests/loader.c linked the ways programs reach unikv, into
 * build/guest/loader/: glibc static (0x400000) and static-pie, musl static-pie,
 * musl at lld's base (0x200000) and at 64 KiB, and glibc's default dynamic link
 * (which the VMM refuses). Debian's musl-gcc specs do not support -static-pie (they
 * always link Scrt1.o and name an interpreter), so the musl PIE is linked by hand
 * from musl's rcrt1.o, as musl's own toolchains do.
 */
function buildLoaderVariants(): void {
  const missing = missingTool([GLIBC_DEV]);
  if (missing) {
    step(`guest loader/: skipped, ${missing}`);
    return;
  }
  const src = path.join(PROJECT_ROOT, 'guest-src', 'app', 'tests', 'loader.c');
  const out = path.join(GUEST_BIN_DIR, 'loader');
  fs.mkdirSync(out, { recursive: true });
  const elf = (name: string) => path.join(out, `${name}.elf`);
  const flags = ['-O2', '-Wall', '-Wextra'];
  step('guest loader/ (glibc and musl, static, static-pie, low link bases)');
  runTool('gcc', [...flags, '-static', src, '-o', elf('glibc-static')], 'libc6-dev');
  runTool('gcc', [...flags, '-static-pie', src, '-o', elf('glibc-pie')], 'libc6-dev');
  runTool('gcc', [...flags, src, '-o', elf('glibc-dynamic')], 'libc6-dev');
  runTool('musl-gcc', [...flags, '-static', '-Wl,-Ttext-segment=0x200000', src, '-o', elf('musl-200000')], 'musl-tools');
  runTool('musl-gcc', [...flags, '-static', '-Wl,-Ttext-segment=0x10000', src, '-o', elf('musl-10000')], 'musl-tools');
  const musl = '/usr/lib/x86_64-linux-musl';
  const gccFile = (name: string) => spawnSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).stdout.trim();
  const libgcc = spawnSync('gcc', ['-print-libgcc-file-name'], { encoding: 'utf8' }).stdout.trim();
  runTool(
    'musl-gcc',
    [
      ...flags,
      '-fPIE',
      '-nostartfiles',
      '-nostdlib',
      `${musl}/rcrt1.o`,
      `${musl}/crti.o`,
      gccFile('crtbeginS.o'),
      src,
      '-Wl,-static,-pie,--no-dynamic-linker,-z,text',
      '-Wl,--start-group',
      `${musl}/libc.a`,
      libgcc,
      '-Wl,--end-group',
      gccFile('crtendS.o'),
      `${musl}/crtn.o`,
      '-o',
      elf('musl-pie'),
    ],
    'musl-tools',
  );
}

try {
  bundleCli();
  buildCliSnapshot();
  buildKernel();
  step('guest library');
  ensureGuestLib();
  buildPrograms();
  buildLoaderVariants();
  await buildRealPrograms(step);
  step('done');
} catch (e) {
  if (!(e instanceof ToolError)) throw e;
  process.stderr.write(`build: ${e.message}\n`);
  process.exit(e.status);
}

// Builds a real program once per content: a recipe names its input files, the tools'
// versions and its flags; their SHA-256 is kept beside the outputs in
// build/programs/<recipe>.hash, and a build whose hash matches and whose outputs all
// exist is skipped. Go's and Rust's builds take tens of seconds on a 2-core machine:
// the second `npm test` must not pay them again.
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../vmm/paths.js';
import { ToolError } from '../guest-toolchain.js';
import { PROGRAMS_DIR } from './paths.js';

export interface Recipe {
  /** build/programs/<name>.hash holds the hash of the last build. */
  name: string;
  /** Files whose content makes the outputs (sources, drivers). */
  inputs: string[];
  /** Anything else that changes the outputs: tool versions, flags, package versions. */
  salt: string[];
  /** What build() makes; all must exist for a cached build to count. */
  outputs: string[];
  build(): void | Promise<void>;
}

export function contentHash(recipe: Pick<Recipe, 'name' | 'inputs' | 'salt'>): string {
  const h = crypto.createHash('sha256');
  h.update(`${recipe.name}\0${recipe.salt.join('\0')}\0`);
  // Paths relative to the project, so a tree checked out elsewhere keeps its hashes.
  for (const file of [...recipe.inputs].sort()) {
    h.update(`${path.relative(PROJECT_ROOT, file)}\0`);
    h.update(fs.readFileSync(file));
    h.update('\0');
  }
  return h.digest('hex');
}

/** Runs the recipe unless its outputs are there from a build of the same content; says which. */
export async function buildCached(recipe: Recipe, step: (what: string) => void): Promise<void> {
  const stamp = path.join(PROGRAMS_DIR, `${recipe.name}.hash`);
  const hash = contentHash(recipe);
  const fresh = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && recipe.outputs.every((f) => fs.existsSync(f));
  if (fresh) {
    step(`program ${recipe.name}: up to date (${hash.slice(0, 12)})`);
    return;
  }
  const started = Date.now();
  step(`program ${recipe.name}: building`);
  fs.rmSync(stamp, { force: true });
  for (const f of recipe.outputs) fs.mkdirSync(path.dirname(f), { recursive: true });
  await recipe.build();
  for (const f of recipe.outputs) if (!fs.existsSync(f)) throw new ToolError(`program ${recipe.name}: ${f} was not made`);
  fs.writeFileSync(stamp, hash);
  step(`program ${recipe.name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A tool's version line (part of a recipe's salt); a missing tool names its Debian package. */
export function toolVersion(cmd: string, args: string[], pkg: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new ToolError(`${cmd} not found: install Debian's ${pkg} (apt-get install ${pkg}, or toolchain/install.sh)`, 127);
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}

/** Runs a build command with its output shown; a failure names the command. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: opts.cwd, env: opts.env ?? process.env });
  if (r.error) throw new ToolError(`${cmd}: ${r.error.message}`, 127);
  if (r.status !== 0) throw new ToolError(`${cmd} ${args.join(' ')} failed (status ${r.status ?? r.signal})`, r.status ?? 1);
}

/** The same without blocking, so that independent compilers share the machine's cores. */
export function runAsync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: opts.cwd, env: opts.env ?? process.env });
    child.on('error', (e) => reject(new ToolError(`${cmd}: ${e.message}`, 127)));
    child.on('close', (status, signal) => {
      if (status === 0) resolve();
      else reject(new ToolError(`${cmd} ${args.join(' ')} failed (status ${status ?? signal})`, status ?? 1));
    });
  });
}

/** Runs jobs at most `width` at a time. */
export async function inParallel(jobs: (() => Promise<void>)[], width = 2): Promise<void> {
  const queue = [...jobs];
  const lane = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, lane));
}

/** Every file under dir (recursively), for a recipe's inputs. */
export function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: false })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => fs.statSync(f).isFile());
}

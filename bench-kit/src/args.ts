// The benchmark scripts' command lines (--rounds 5, --keys 2000, --out DIR, ...). A bad
// option ends the script before it measures anything, with one line naming the problem
// and status 2, rather than a stack trace, a table of NaN or a run that fails at the end.
import fs from 'node:fs';

/** Ends a benchmark script over a bad command line. */
export function refuse(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

/** `text` as a whole number from 1 to max; anything else ends the script naming option `--name`. */
export function wholeNumber(name: string, text: string, max = 1_000_000): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= max)) refuse(`--${name} must be a whole number from 1 to ${max} (got '${text}')`);
  return value;
}

/** The value after `--name` on the command line, or `fallback` when the option is absent. */
export function countOption(name: string, fallback: number, max = 1_000_000): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  return wholeNumber(name, process.argv[at + 1] ?? '', max);
}

/** A directory for results: made if missing; refused if it cannot be. */
export function outputDirectory(dir: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    refuse(`--out ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return dir;
}

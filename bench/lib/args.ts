// Whole-number options of the benchmark scripts (--rounds 5, --keys 2000, ...). A bad
// value ends the script with one line naming the option and status 2, rather than a
// table of NaN.

/** The value after `--name` on the command line, or `fallback` when the option is absent. */
export function countOption(name: string, fallback: number, max = 1_000_000): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const text = process.argv[at + 1] ?? '';
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= max)) {
    process.stderr.write(`bench: --${name} must be a whole number from 1 to ${max} (got '${text}')\n`);
    process.exit(2);
  }
  return value;
}

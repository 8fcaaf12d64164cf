// How benchmarks show results: a plain-text table on stdout and progress on stderr;
// the figures themselves go back to the runner as data (figures.ts), which draws the
// charts and writes the JSON (output.ts).
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

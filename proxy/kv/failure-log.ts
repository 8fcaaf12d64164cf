// Reports backend failures on stderr without flooding it.
//
// A storage outage makes every request fail the same way; one line per kind of
// failure says what is wrong, and the statistics keep the count.

import type { FailureKind } from './errors.js';

export type LineWriter = (line: string) => void;

const writeToStderr: LineWriter = (line) => {
  process.stderr.write(line);
};

export class FailureLog {
  private readonly reported = new Set<FailureKind>();

  constructor(private readonly write: LineWriter = writeToStderr) {}

  /** Prints "kv: <description>; requests fail with -1" the first time kind is seen. */
  report(kind: FailureKind, description: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.write(`kv: ${description}; requests fail with -1\n`);
  }

  /** The kinds reported so far, in the order they were first seen. */
  kinds(): FailureKind[] {
    return [...this.reported];
  }
}

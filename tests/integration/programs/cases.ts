// A program test is a case: a behaviour a user relies on, with its checks written out.
// Each test file lists its cases as data and registers them here, one test each.
import { it } from 'vitest';

export interface Case {
  name: string;
  run: () => void | Promise<void>;
}

export function cases(list: Case[]): void {
  for (const c of list) it(c.name, c.run);
}

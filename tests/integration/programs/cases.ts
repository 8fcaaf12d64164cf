// A program test is a case: a behaviour a user relies on, with its checks written out.
// A case that cannot pass yet carries `needs`, the exact missing call or feature; it
// is listed as it.todo('<name>: needs <gap>') so the report shows the gap, and its
// checks are ready for the day the gap closes (delete `needs`).
// PROGRAMS_TRY_TODO=1 runs those cases too, as ordinary tests, to see which gaps a
// kernel change has closed.
import { it } from 'vitest';

export interface Case {
  name: string;
  needs?: string;
  run: () => void | Promise<void>;
}

const tryTodo = process.env.PROGRAMS_TRY_TODO === '1';

export function cases(list: Case[]): void {
  for (const c of list) {
    if (c.needs && tryTodo) it(`${c.name} (todo: needs ${c.needs})`, c.run);
    else if (c.needs) it.todo(`${c.name}: needs ${c.needs}`);
    else it(c.name, c.run);
  }
}

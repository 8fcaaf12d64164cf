// What one fuzzing VM's run came to, read from its exit status and output.
//
// A seed ends one way: finished (every call made), the guest killed cleanly by a signal
// (the kernel's own report: a default action or a CPU exception the program did not
// handle), or a failure: the VMM crashed, the run hung, the kernel's memory changed
// (scfuzz's checksums), the kernel faulted in its own code (the CPU exception report's
// RIP lies in the kernel image, which both fuzzers print at start as "kernel START-END"),
// or the fuzzer faulted itself. Failures must never happen.

export type FuzzerName = 'syscalls' | 'hypercalls';

export const FAILURES = ['vmm-crash', 'hang', 'kernel-corruption', 'kernel-crash', 'fuzzer-fault'] as const;
export type Failure = (typeof FAILURES)[number];
export type SeedEnd = 'finished' | 'killed-by-signal' | Failure;

export interface SeedOutcome {
  end: SeedEnd;
  /** Calls (or hypercalls) made. */
  calls: number;
  /** Calls that returned a value that is not an error. */
  ok: number;
  /** errno number -> calls that returned it. */
  errnos: Map<number, number>;
  /** One line saying why, for anything but a finished run. */
  detail: string;
}

export interface VmExit {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The runner killed it: no output for too long. */
  timedOut: boolean;
}

const KILLED_CLEANLY = /^kernel: (terminated by signal|CPU exception)/m;
const VMM_FAILURE = /internal error|triple fault|the guest is stuck|every vCPU halted/;

export function classify(fuzzer: FuzzerName, exit: VmExit): SeedOutcome {
  const outcome: SeedOutcome = { end: 'finished', calls: 0, ok: 0, errnos: new Map(), detail: '' };
  const progress = new Map<string, number>();
  for (const line of exit.stdout.split('\n')) {
    const [word, a, b] = line.split(' ');
    if (word === 'result' && a === 'ok') outcome.ok = Number(b);
    else if (word === 'result' && a === 'errno') outcome.errnos.set(Number(b), Number(line.split(' ')[3]));
    else if (word === 'calls') outcome.calls = Number(a);
    else if (word === 'progress') progress.set(a, Number(b));
    else if (word.startsWith('hypercalls=')) outcome.calls = outcome.ok = Number(word.slice('hypercalls='.length));
  }
  // A run that did not finish says how far each thread got.
  if (outcome.calls === 0) outcome.calls = [...progress.values()].reduce((a, b) => a + b, 0);

  const failureLine = (pattern: RegExp) => exit.stdout.split('\n').find((l) => pattern.test(l));
  const stderrTail = exit.stderr
    .split('\n')
    .filter((l) => l && !/unknown system call|\(reported once\)/.test(l))
    .slice(-3)
    .join(' | ');
  const finishedLine = fuzzer === 'syscalls' ? /^calls \d+$/m : /^hypercalls=\d+$/m;

  if (exit.timedOut) return { ...outcome, end: 'hang', detail: 'no output for too long; the runner killed the VM' };
  const corrupt = failureLine(/^CORRUPT /);
  if (corrupt) return { ...outcome, end: 'kernel-corruption', detail: corrupt };
  const stuck = failureLine(/^STUCK /);
  if (stuck) return { ...outcome, end: 'hang', detail: stuck };
  const fault = failureLine(/^FUZZER FAULT /);
  if (fault) return { ...outcome, end: 'fuzzer-fault', detail: fault };
  if (VMM_FAILURE.test(exit.stderr)) return { ...outcome, end: 'vmm-crash', detail: `status ${exit.status}: ${stderrTail}` };
  if (exit.status === 0 && finishedLine.test(exit.stdout)) return outcome;
  const kernel = /^kernel (0x[0-9a-f]+)-(0x[0-9a-f]+)$/m.exec(exit.stdout);
  const rip = /^kernel: CPU exception[^\n]*\n[^\n]*RIP (0x[0-9a-f]+)/m.exec(exit.stderr);
  if (kernel && rip && BigInt(rip[1]) >= BigInt(kernel[1]) && BigInt(rip[1]) < BigInt(kernel[2])) {
    return { ...outcome, end: 'kernel-crash', detail: `a CPU exception at RIP ${rip[1]}, inside the kernel: ${stderrTail}` };
  }
  if (exit.status !== null && exit.status > 128 && KILLED_CLEANLY.test(exit.stderr)) {
    const why = exit.stderr.split('\n').find((l) => KILLED_CLEANLY.test(l)) ?? '';
    return { ...outcome, end: 'killed-by-signal', detail: `status ${exit.status}: ${why}${rip ? `, RIP ${rip[1]}` : ''}` };
  }
  return { ...outcome, end: 'vmm-crash', detail: `status ${exit.status}: ${stderrTail || 'no message'}` };
}

/** The last call a traced run printed before it ended (for each thread), as printed. */
export function lastCalls(stdout: string): string[] {
  const last = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^call (\d+) /.exec(line);
    if (m) last.set(m[1], line);
  }
  return [...last.values()];
}

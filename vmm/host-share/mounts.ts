// What --share HOST[:GUEST][:ro] means: the host directory, the guest path where the
// kernel mounts it, and whether the share is read-only. One checked list of these
// goes into the share table at boot (vmm/files/preload.ts writes it; the kernel's
// fs/shares.asm reads it).
import path from 'node:path';
import { MISC } from '../generated/abi.js';
import { directoryProblem } from './host-dir.js';

export interface ShareMount {
  /** The host directory (absolute). */
  host: string;
  /** Where the guest sees it: absolute, normalised, not / (default /host). */
  guest: string;
  /** Every change is refused with EROFS, by the kernel and by the VMM. */
  readOnly: boolean;
}

/** The guest path of a share given without one (only one share may go without). */
export const DEFAULT_GUEST_PATH = '/host';

/** Guest trees the kernel makes itself: no share goes there. */
const RESERVED = ['/proc', '/dev'];

export class ShareError extends Error {}

/**
 * One --share value: HOST, HOST:GUEST, HOST:ro or HOST:GUEST:ro (`rw` is accepted
 * as the default's name); a value that names an existing directory as a whole is
 * HOST alone (a directory whose name holds a colon). HOST is resolved against `cwd`.
 * Throws ShareError with a one-line message that names --share and the problem.
 */
export function parseShare(text: string, cwd: string): ShareMount & { guestGiven: boolean } {
  const fail = (problem: string): never => {
    throw new ShareError(`--share ${text}: ${problem}`);
  };
  if (text.includes(':') && directoryProblem('', path.resolve(cwd, text)) === undefined)
    return { host: path.resolve(cwd, text), guest: DEFAULT_GUEST_PATH, readOnly: false, guestGiven: false };
  const parts = text.split(':');
  let readOnly = false;
  if (parts.length > 1 && !parts[parts.length - 1].startsWith('/')) {
    const flag = parts.pop() as string;
    if (flag === 'ro') readOnly = true;
    else if (flag !== 'rw') fail(`unknown flag :${flag} (expected :ro; a guest path starts with /)`);
  }
  let guest: string | undefined;
  if (parts.length > 1 && parts[parts.length - 1].startsWith('/')) guest = parts.pop();
  const host = parts.join(':');
  if (host === '') fail('no host directory');
  if (guest !== undefined) {
    const problem = guestPathProblem(guest);
    if (problem) fail(problem);
  }
  const resolved = path.resolve(cwd, host);
  const problem = directoryProblem('', resolved);
  if (problem) fail(problem.trim());
  return { host: resolved, guest: guest ?? DEFAULT_GUEST_PATH, readOnly, guestGiven: guest !== undefined };
}

/** Why `guest` cannot be a share's guest path, or undefined. */
export function guestPathProblem(guest: string): string | undefined {
  if (!guest.startsWith('/')) return `guest path ${guest} is not absolute`;
  if (guest === '/') return 'the guest path cannot be / (the RAM file system)';
  if (path.posix.normalize(guest) !== guest || guest.endsWith('/')) return `guest path ${guest} is not normalised (no //, . or .., no trailing /)`;
  if (Buffer.byteLength(guest) >= MISC.SHARE_PATH_MAX) return `guest path ${guest} is longer than ${MISC.SHARE_PATH_MAX - 1} bytes`;
  if (guest.includes('\0')) return 'the guest path holds a NUL';
  if (guest.split('/').some((c) => Buffer.byteLength(c) > 255)) return `guest path ${guest} has a name longer than 255 bytes`;
  const reserved = RESERVED.find((r) => within(guest, r));
  if (reserved) return `guest path ${guest} lies in ${reserved}, which the kernel makes itself`;
  return undefined;
}

/** Is `inner` `outer` or beneath it? */
function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}

/**
 * Why these shares cannot be mounted together (one line naming --share and the
 * problem), or undefined: at most MAX_SHARES, one without a guest path at most, no
 * guest path twice, none inside another.
 */
export function mountsProblem(mounts: (ShareMount & { guestGiven?: boolean; text?: string })[]): string | undefined {
  if (mounts.length > MISC.MAX_SHARES) return `--share: at most ${MISC.MAX_SHARES} shares (${mounts.length} given)`;
  const name = (m: ShareMount & { text?: string }) => `--share ${m.text ?? `${m.host}:${m.guest}`}`;
  const defaults = mounts.filter((m) => m.guestGiven === false);
  if (defaults.length > 1) return `${name(defaults[1])}: only one share may go without a guest path (it is ${DEFAULT_GUEST_PATH}); give this one as HOST:GUEST`;
  for (const [i, m] of mounts.entries()) {
    const problem = guestPathProblem(m.guest);
    if (problem) return `${name(m)}: ${problem}`;
    for (const other of mounts.slice(0, i)) {
      if (other.guest === m.guest) return `${name(m)}: guest path ${m.guest} is already taken (${name(other)})`;
      if (within(m.guest, other.guest) || within(other.guest, m.guest))
        return `${name(m)}: guest path ${m.guest} lies inside another share's or around it (${name(other)})`;
    }
  }
  return undefined;
}

// The configuration file: `--config FILE` (or UNIKV_CONFIG=FILE), a JSON object whose
// keys are the long option names, for set-ups that repeat the same flags (a course's
// shares, memory, backend). Options on the command line win over the file, the file
// wins over the UNIKV_* defaults; --share, --env and --publish add to the file's lists. Paths in
// the file are relative to the file's directory. Every problem is one line naming the
// file and the key.
import fs from 'node:fs';
import path from 'node:path';

export class ConfigError extends Error {}

/** The options a file may set, as they reach the command line's checks. */
export interface ConfigValues {
  cpus?: string;
  mem?: string;
  env?: string[];
  share?: { text: string; cwd: string }[];
  preload?: string;
  backend?: string;
  's3-endpoint'?: string;
  bucket?: string;
  prefix?: string;
  'kv-dir'?: string;
  stats?: boolean;
  'stats-file'?: string;
  trace?: boolean;
  strace?: boolean;
  publish?: string[];
  net?: string;
  gdb?: string;
  'strace-file'?: string;
  'strict-abi'?: boolean;
}

type Kind = 'count' | 'size' | 'string' | 'path' | 'boolean' | 'strings' | 'shares';

/** Every key a file may hold and what its value must be. */
const KEYS: Record<keyof ConfigValues, Kind> = {
  cpus: 'count',
  mem: 'size',
  env: 'strings',
  share: 'shares',
  preload: 'path',
  backend: 'string',
  's3-endpoint': 'string',
  bucket: 'string',
  prefix: 'string',
  'kv-dir': 'path',
  stats: 'boolean',
  'stats-file': 'path',
  trace: 'boolean',
  strace: 'boolean',
  publish: 'strings',
  net: 'string',
  gdb: 'string',
  'strace-file': 'path',
  'strict-abi': 'boolean',
};

const EXPECTED: Record<Kind, string> = {
  count: 'a whole number',
  size: 'a size such as "512M" (or a byte count)',
  string: 'a string',
  path: 'a path (a string)',
  boolean: 'true or false',
  strings: 'a string or a list of strings',
  shares: 'a string "HOST[:GUEST][:ro]" or a list of them',
};

/**
 * Reads and checks a configuration file (`file` as the user named it, relative to
 * `cwd`; `label` names where it was named: `--config ` or `UNIKV_CONFIG=`).
 */
export function loadConfig(file: string, cwd: string, label = '--config '): ConfigValues {
  const where = path.resolve(cwd, file);
  const fail = (problem: string): never => {
    throw new ConfigError(`${label}${file}: ${problem}`);
  };
  let text = '';
  try {
    text = fs.readFileSync(where, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return fail('expected a JSON object whose keys are long option names, such as {"mem": "512M"}');
  const dir = path.dirname(where);
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const kind = (KEYS as Record<string, Kind | undefined>)[key];
    if (kind === undefined) fail(`unknown key "${key}" (keys are long option names: ${Object.keys(KEYS).join(', ')})`);
    const checked = checkValue(kind as Kind, value, dir);
    if (checked === undefined) fail(`key "${key}": expected ${EXPECTED[kind as Kind]}`);
    values[key] = checked;
  }
  return values as ConfigValues;
}

/** The value in the form the command line's checks take, or undefined when it is of the wrong type. */
function checkValue(kind: Kind, value: unknown, dir: string): unknown {
  const strings = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  switch (kind) {
    case 'count':
      return typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value : undefined;
    case 'size':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? String(value) : typeof value === 'string' ? value : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'path':
      return typeof value === 'string' && value !== '' ? path.resolve(dir, value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'strings':
      return strings;
    case 'shares':
      return strings?.map((text) => ({ text, cwd: dir }));
  }
}

// The house rules: which folders may import which. Each folder's place says what its
// code may touch; an import across a forbidden line fails here with the file and the
// line that crossed it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Rule {
  from: string;
  /** A folder under `from` the rule leaves out. */
  except?: string;
  forbid: string[];
  why: string;
}

const RULES: Rule[] = [
  { from: 'channel/', forbid: ['vmm/', 'proxy/'], why: 'the channel is neutral ground: both sides import it, it imports neither' },
  { from: 'proxy/', forbid: ['vmm/', 'toolchain/'], why: 'the proxy is the backend driver: it meets the VMM only through channel/' },
  { from: 'vmm/', forbid: ['proxy/'], why: 'the VMM meets the proxy only through channel/' },
  {
    from: 'vmm/',
    except: 'vmm/cli/',
    forbid: ['vmm/cli/'],
    why: 'the command line is the top of the VMM: it calls runVm, and nothing in the machine knows it',
  },
  { from: 'vmm/', forbid: ['toolchain/'], why: 'the toolchain builds for the VMM and lies above it (unikv cc runs its command instead)' },
  {
    from: 'sector/',
    forbid: ['vmm/', 'proxy/', 'channel/', 'guest-src/'],
    why: 'the sector exercise stands alone; it shares only the host-libc and bench-kit packages',
  },
  { from: 'host-libc/', forbid: ['vmm/', 'proxy/', 'channel/', 'sector/'], why: 'the C library bindings are below everything that uses them' },
  {
    from: 'bench-kit/',
    forbid: ['vmm/', 'proxy/', 'channel/', 'sector/', 'host-libc/'],
    why: "the benchmarks' shared helpers know nothing of what they measure",
  },
  {
    from: 'vmm/ports/',
    forbid: ['vmm/cpu/', 'vmm/engine/', 'vmm/kv/', 'vmm/host-share/', 'vmm/files/', 'vmm/machine.ts', 'vmm/vm.ts', 'channel/'],
    why: 'devices see guest memory and their context, not the vCPU loop, the engine or the backends',
  },
];

/** Every import specifier in a TypeScript source, with its line number. */
function importsOf(source: string): { spec: string; line: number }[] {
  const found: { spec: string; line: number }[] = [];
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s*\(\s*'([^']+)'\s*\)/g, /^\s*import\s+'([^']+)'/gm];
  for (const pattern of patterns) {
    for (const m of source.matchAll(pattern)) found.push({ spec: m[1], line: source.slice(0, m.index).split('\n').length });
  }
  return found;
}

function sourcesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/(^|\/)(dist|node_modules)\//.test(f))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

/** The repository-relative file an import names, with .js read as the .ts it is built from; undefined for packages. */
function target(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  return resolved.replace(/\.js$/, '.ts');
}

function violations(rule: Rule): string[] {
  const out: string[] = [];
  for (const file of sourcesUnder(rule.from).filter((f) => !(rule.except && f.startsWith(rule.except)))) {
    for (const { spec, line } of importsOf(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      const to = target(file, spec);
      if (to === undefined) continue;
      const crossed = rule.forbid.find((f) => to === f || to.startsWith(f));
      if (crossed) out.push(`${file}:${line} imports ${to} (${rule.from} may not import ${crossed})`);
    }
  }
  return out;
}

describe('layers', () => {
  for (const rule of RULES) {
    it(`${rule.from} imports nothing from ${rule.forbid.join(', ')}: ${rule.why}`, () => {
      expect(sourcesUnder(rule.from).length).toBeGreaterThan(0);
      expect(violations(rule)).toEqual([]);
    });
  }

  it('catches a forbidden import, a re-export and a dynamic import', () => {
    const source = "import { a } from '../../vmm/x.js';\nexport { b } from '../vmm/y.js';\nconst c = await import('../z.js');\n";
    expect(importsOf(source).map((i) => [target('proxy/kv/f.ts', i.spec), i.line])).toEqual([
      ['vmm/x.ts', 1],
      ['proxy/vmm/y.ts', 2],
      ['proxy/z.ts', 3],
    ]);
  });
});

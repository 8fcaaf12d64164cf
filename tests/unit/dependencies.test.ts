// Every package the code imports is declared in the package.json nearest to the
// importing file (the root's, or a workspace's), so nothing works only because npm
// happened to hoist another package's dependency into node_modules.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FOLDERS = ['vmm', 'proxy', 'channel', 'toolchain', 'bench', 'sector', 'host-libc', 'bench-kit', 'tests'];
const SKIPPED = new Set(['node_modules', 'dist', 'build', 'results']);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** This file quotes made-up specifiers in its own check. */
const SELF = fileURLToPath(import.meta.url);

/** import ... from 'x', import 'x', import('x'), require('x'), createRequire(...)('x') and its .resolve('x'). */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s+|\bimport\s*\(\s*|\brequire(?:\.resolve)?\s*\(\s*|createRequire\([^)]*\)(?:\.resolve)?\s*\(\s*)(['"])([^'"\n]+)\1/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : sourceFiles(full);
    return SOURCE.test(entry.name) && full !== SELF ? [full] : [];
  });
}

/** The package a bare specifier names ('@scope/name/sub' -> '@scope/name'); undefined for relative paths and Node's own modules. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtinModules.includes(name) ? undefined : name;
}

function nearestManifest(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) return manifest;
    if (dir === ROOT) throw new Error(`no package.json above ${file}`);
  }
}

function declared(manifest: string): Set<string> {
  const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const names = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) => Object.keys(json[field] ?? {}));
  return new Set([json.name, ...names]);
}

describe('declared dependencies', () => {
  it('finds bare specifiers in every import form the code uses', () => {
    const text = `import a from 'yargs';\nimport type { B } from '@scope/pkg/sub';\nconst c = await import('koffi');\nconst d = createRequire(import.meta.url).resolve('s3rver');\nBuffer.from('not-a-module');`;
    expect([...text.matchAll(SPECIFIER)].map((m) => packageOf(m[2]))).toEqual(['yargs', '@scope/pkg', 'koffi', 's3rver']);
    expect(packageOf('node:fs')).toBeUndefined();
    expect(packageOf('fs')).toBeUndefined();
    expect(packageOf('./local.js')).toBeUndefined();
  });

  it('has every imported package in the nearest package.json', () => {
    const missing: string[] = [];
    let imports = 0;
    for (const folder of FOLDERS) {
      for (const file of sourceFiles(path.join(ROOT, folder))) {
        const manifest = nearestManifest(file);
        const names = declared(manifest);
        for (const match of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
          const name = packageOf(match[2]);
          if (name === undefined) continue;
          imports++;
          if (!names.has(name)) missing.push(`${path.relative(ROOT, file)} imports ${name}, not declared in ${path.relative(ROOT, manifest)}`);
        }
      }
    }
    expect(imports).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });
});

// Where, when and from what a benchmark's figures come: printed on every chart and
// kept in the JSON results, so that a figure read later can be placed.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { PROJECT_ROOT } from '../../vmm/paths.js';
import type { Figure } from './figures.js';

export interface Provenance {
  /** ISO 8601, UTC. */
  date: string;
  cpu: string;
  cores: number;
  /** `git rev-parse --short HEAD`, when the tree is a git checkout. */
  commit?: string;
  node: string;
}

export function provenance(): Provenance {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : undefined;
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    cores: cpus.length,
    commit,
    node: process.version,
  };
}

/** "3 rounds", or "3-20 rounds" when figures differ. */
export function roundsText(figures: Figure[]): string {
  const counts = figures.map((f) => f.samples.length);
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  return `${low === high ? low : `${low}-${high}`} round${high === 1 ? '' : 's'}`;
}

export function provenanceLine(p: Provenance, figures: Figure[]): string {
  const date = p.date.replace('T', ' ').replace(/:\d\dZ$/, ' UTC');
  return `${date} · ${p.cpu} (${p.cores} cores) · ${p.commit ? `commit ${p.commit}` : 'no git commit'} · Node ${p.node} · ${roundsText(figures)}`;
}

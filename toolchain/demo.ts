// `npm run demo`: boots a few guests and shows what crosses the boundary.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { GUEST_BIN_DIR, PROJECT_ROOT, VMM_NODE_ARGS } from '../vmm/paths.js';

const guest = (group: string, name: string) => path.join(GUEST_BIN_DIR, group, `${name}.elf`);

const steps: { title: string; args: string[] }[] = [
  { title: 'A C program in the unikernel (with VM-exit statistics)', args: [guest('examples', 'hello'), '--stats'] },
  { title: '8 threads on 4 vCPUs share a mutex-protected counter', args: [guest('tests', 'threads'), '--cpus', '4', '--', 'mutex', '8', '5000'] },
  { title: 'put/get from guest threads to S3 (an embedded S3 server, data in ./.kvstore)', args: [guest('examples', 'kvdemo'), '--stats'] },
];

let failed = 0;
for (const step of steps) {
  process.stdout.write(`\n=== ${step.title}\n$ npm run vm -- ${step.args.map((a) => path.relative(PROJECT_ROOT, a) || a).join(' ')}\n`);
  const r = spawnSync(process.execPath, [...VMM_NODE_ARGS, ...step.args], { stdio: 'inherit', cwd: PROJECT_ROOT });
  process.stdout.write(`(exit status ${r.status})\n`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

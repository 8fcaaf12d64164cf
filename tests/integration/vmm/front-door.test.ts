// The package's command, bin/unikv, as a user drives it from their own directory:
// unikv cc and unikv run with relative paths, guest flags after the image, -c/-m,
// --version, --stats-file, one-line refusals with status 125, and Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestBin, ROOT } from '../../helpers/run-vm.js';

const UNIKV = path.join(ROOT, 'bin', 'unikv');
let dir: string;

function unikv(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(UNIKV, args, { cwd: dir, env, maxBuffer: 16 << 20, timeout: 110_000, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const SHARED = `#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
	char buf[32] = {0};
	int fd = open("/data/in.txt", O_RDONLY);
	printf("read %zd %s", read(fd, buf, sizeof buf - 1), buf);
	int w = open("/data/out.txt", O_WRONLY | O_CREAT, 0644);
	printf("write %d %s\\n", w, w < 0 ? strerror(errno) : "");
	printf("unlink %d %s\\n", unlink("/data/in.txt"), strerror(errno));
	return 0;
}
`;

const WHO = `#include <stdio.h>
#include <unistd.h>
#include <sys/sysinfo.h>
int main(int argc, char **argv) {
	struct sysinfo si;
	sysinfo(&si);
	printf("cpus=%ld mem=%luM\\n", sysconf(_SC_NPROCESSORS_ONLN), (unsigned long)(si.totalram >> 20));
	for (int i = 1; i < argc; i++) printf("[%s]\\n", argv[i]);
	return argc;
}
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-front-door-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'who.c'), WHO);
  fs.writeFileSync(path.join(dir, 'src', 'shared.c'), SHARED);
  fs.writeFileSync(path.join(dir, 'src', 'spin.c'), 'int main(void) { for (volatile long i = 0;; i++) {} }\n');
  fs.writeFileSync(path.join(dir, 'src', 'naps.c'), '#include <unistd.h>\nint main(void) { for (;;) usleep(10000); }\n');
  fs.copyFileSync(guestBin('examples', 'hello'), path.join(dir, 'hello.elf'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('unikv cc and unikv run from the user directory', () => {
  it('builds with relative paths', () => {
    const r = unikv(['cc', 'src/who.c', '-o', 'who.elf']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'who.elf'))).toBe(true);
  });

  it('prints only the guest output on stdout, byte for byte', () => {
    const viaBin = unikv(['run', 'hello.elf']);
    const direct = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'vmm', 'cli', 'main.js'), guestBin('examples', 'hello')], { cwd: ROOT });
    expect(viaBin.status).toBe(0);
    expect(viaBin.stdout).toBe(direct.stdout.toString());
    expect(viaBin.stdout).not.toMatch(/^>/m);
  });

  it('passes everything after the image to the guest, flags included', () => {
    const r = unikv(['run', 'who.elf', '-v', '--cpus', '3']);
    expect(r.stdout).toBe('cpus=1 mem=256M\n[-v]\n[--cpus]\n[3]\n');
    expect(r.status).toBe(4);
    const dashes = unikv(['run', 'who.elf', '--', '--', 'x']);
    expect(dashes.stdout).toBe('cpus=1 mem=256M\n[--]\n[x]\n');
  });

  it('gives the short options -c and -m their meaning before the image', () => {
    const r = unikv(['run', '-c', '2', '-m', '128M', 'who.elf']);
    expect(r.stdout).toMatch(/^cpus=2 mem=1[12]\dM\n$/);
    expect(r.status).toBe(1);
  });

  it('takes UNIKV_CPUS and UNIKV_MEM as defaults, the options over them', () => {
    const env = { ...process.env, UNIKV_CPUS: '3', UNIKV_MEM: '1GiB' };
    expect(unikv(['run', 'who.elf'], env).stdout).toMatch(/^cpus=3 mem=10[0-2]\dM\n$/);
    expect(unikv(['run', '--cpus', '2', 'who.elf'], env).stdout).toMatch(/^cpus=2 /);
    const bad = unikv(['run', 'who.elf'], { ...process.env, UNIKV_CPUS: 'lots' });
    expect(bad.status).toBe(125);
    expect(bad.stderr).toBe('unikv: UNIKV_CPUS=lots: not a whole number\n');
  });

  it('passes the host value for -e NAME and the given one for NAME=VALUE', () => {
    const args = path.join(dir, 'args.elf');
    fs.copyFileSync(guestBin('tests', 'args'), args);
    const r = unikv(['run', '-e', 'FROM_HOST', '-e', 'B=2', '-e', 'UNSET_HERE', 'args.elf', 'z'], { ...process.env, FROM_HOST: 'yes', UNSET_HERE: undefined });
    expect(r.stdout).toBe('argc=2\nargv[0]=args.elf\nargv[1]=z\nenv=FROM_HOST=yes\nenv=B=2\n');
  });

  it('takes AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, as the S3 endpoint', () => {
    const kvdemo = path.join(dir, 'kvdemo.elf');
    fs.copyFileSync(guestBin('examples', 'kvdemo'), kvdemo);
    const aws = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' };
    const generic = unikv(['run', 'kvdemo.elf'], { ...aws, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(generic.stderr).toMatch(/unreachable at http:\/\/127\.0\.0\.1:9\b/);
    const s3 = unikv(['run', 'kvdemo.elf'], { ...aws, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7' });
    expect(s3.stderr).toMatch(/unreachable at http:\/\/127\.0\.0\.1:7\b/);
  });

  it('says its version', () => {
    const r = unikv(['--version']);
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^unikv ${version.replace(/\./g, '\\.')} \\(guest ABI \\d+\\)\\n$`));
  });

  it('shows --share host:/data:ro at /data, relative to the current directory, and refuses writes', () => {
    fs.mkdirSync(path.join(dir, 'host'));
    fs.writeFileSync(path.join(dir, 'host', 'in.txt'), 'from the host\n');
    expect(unikv(['cc', 'src/shared.c', '-o', 'shared.elf']).status).toBe(0);
    const r = unikv(['run', '--share', 'host:/data:ro', 'shared.elf']);
    expect(r.stdout).toBe('read 14 from the host\nwrite -1 Read-only file system\nunlink -1 Read-only file system\n');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'host'))).toEqual(['in.txt']);
    const bad = unikv(['run', '--share', 'host:/data:rw2', 'shared.elf']);
    expect(bad.status).toBe(125);
    expect(bad.stderr).toBe('unikv: --share host:/data:rw2: unknown flag :rw2 (expected :ro; a guest path starts with /)\n');
  });

  it('writes --stats-file as JSON with the documented fields', () => {
    const r = unikv(['run', '--stats-file', 'out/../stats.json', 'hello.elf']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const stats = JSON.parse(fs.readFileSync(path.join(dir, 'stats.json'), 'utf8'));
    expect(stats.status).toBe(0);
    expect(stats.interrupted).toBe(false);
    expect(stats.runTimeSeconds).toBeGreaterThan(0);
    expect(stats.exits.hypercall).toBeGreaterThan(0);
    expect(stats.hypercalls).toContainEqual(expect.objectContaining({ name: 'EXIT', count: 1 }));
    expect(stats.systemCalls.total).toBeGreaterThan(0);
    expect(typeof stats.engine.stores).toBe('string');
    expect(stats).toHaveProperty('kvPeakInFlight');
  });

  it('writes the statistics and exits with 130 on SIGINT', async () => {
    expect(unikv(['cc', 'src/naps.c', '-o', 'naps.elf']).status).toBe(0);
    // The guest naps in a loop: the VMM looks at the signal's count between naps.
    const child = spawn(UNIKV, ['run', '--stats', '--stats-file', 'int.json', '--', 'naps.elf'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const status = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    expect(await status).toBe(130);
    expect(stderr).toMatch(/unikv: interrupted\nVM exits:/);
    const stats = JSON.parse(fs.readFileSync(path.join(dir, 'int.json'), 'utf8'));
    expect(stats.status).toBe(130);
    expect(stats.interrupted).toBe(true);
  });

  it('stops a guest that spins without a system call on SIGINT', async () => {
    expect(unikv(['cc', 'src/spin.c', '-o', 'spin.elf']).status).toBe(0);
    const child = spawn(UNIKV, ['run', '--stats-file', 'spin.json', 'spin.elf'], { cwd: dir });
    const status = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    expect(await status).toBe(130);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'spin.json'), 'utf8')).interrupted).toBe(true);
  });
});

describe('the configuration file (--config FILE, UNIKV_CONFIG)', () => {
  beforeAll(() => {
    for (const name of ['who', 'shared'])
      if (!fs.existsSync(path.join(dir, `${name}.elf`))) expect(unikv(['cc', `src/${name}.c`, '-o', `${name}.elf`]).status).toBe(0);
    fs.mkdirSync(path.join(dir, 'host'), { recursive: true });
  });

  /** A course's set-up in its own directory: unikv.json and the data it shares. */
  function course(config: object): string {
    const where = fs.mkdtempSync(path.join(dir, 'course-'));
    fs.mkdirSync(path.join(where, 'data'));
    fs.writeFileSync(path.join(where, 'data', 'in.txt'), 'from the host\n');
    fs.writeFileSync(path.join(where, 'unikv.json'), JSON.stringify(config));
    return path.join(where, 'unikv.json');
  }

  it('the command line wins over the file, the file over UNIKV_* defaults', () => {
    const file = course({ cpus: 2, mem: '128M' });
    const env = { ...process.env, UNIKV_CPUS: '3', UNIKV_MEM: '1G' };
    expect(unikv(['run', '--config', file, 'who.elf'], env).stdout).toMatch(/^cpus=2 mem=1[12]\dM\n$/);
    expect(unikv(['run', '--config', file, '-c', '4', 'who.elf'], env).stdout).toMatch(/^cpus=4 mem=1[12]\dM\n$/);
    expect(unikv(['run', 'who.elf'], { ...env, UNIKV_CONFIG: file }).stdout).toMatch(/^cpus=2 mem=1[12]\dM\n$/);
    const other = course({ cpus: 1 });
    expect(unikv(['run', '--config', other, 'who.elf'], { ...env, UNIKV_CONFIG: file }).stdout).toMatch(/^cpus=1 mem=10[0-2]\dM\n$/);
  });

  it('takes paths in the file relative to the file; --share and --env add to its lists', () => {
    const file = course({ share: ['data:/data:ro'], env: ['A=1', 'B=2'] });
    const fromElsewhere = path.relative(dir, file);
    const r = unikv(['run', '--config', fromElsewhere, 'shared.elf']);
    expect(r.stdout).toBe('read 14 from the host\nwrite -1 Read-only file system\nunlink -1 Read-only file system\n');
    const args = path.join(dir, 'args.elf');
    fs.copyFileSync(guestBin('tests', 'args'), args);
    expect(unikv(['run', '--config', fromElsewhere, '-e', 'B=3', '-e', 'C=4', 'args.elf']).stdout).toBe(
      'argc=1\nargv[0]=args.elf\nenv=A=1\nenv=B=3\nenv=C=4\n',
    );
    const two = unikv(['run', '--config', fromElsewhere, '--share', 'host:/more', 'shared.elf']);
    expect(two.status).toBe(0);
  });

  const refusedFile = (contents: string | undefined, line: RegExp, viaEnv = false) => {
    const where = fs.mkdtempSync(path.join(dir, 'bad-'));
    const file = path.join(where, 'unikv.json');
    if (contents !== undefined) fs.writeFileSync(file, contents);
    const r = viaEnv ? unikv(['run', 'who.elf'], { ...process.env, UNIKV_CONFIG: file }) : unikv(['run', '--config', file, 'who.elf']);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(line);
  };
  it('an unknown key', () => refusedFile('{"memory": "1G"}', /^unikv: --config \S+: unknown key "memory"/));
  it('a value of the wrong type', () => refusedFile('{"stats": "yes"}', /key "stats": expected true or false$/m));
  it('a bad value', () => refusedFile('{"mem": "lots"}', /: mem lots: not a size/));
  it('a bad share', () => refusedFile('{"share": ["nowhere:/data"]}', /: share nowhere:\/data: .*nowhere: no such directory/));
  it('malformed JSON', () => refusedFile('{"mem": ', /: not valid JSON/));
  it('not an object', () => refusedFile('["--mem", "1G"]', /: expected a JSON object/));
  it('a missing file', () => refusedFile(undefined, /: no such file$/m));
  it('a missing file named by UNIKV_CONFIG', () => refusedFile(undefined, /^unikv: UNIKV_CONFIG=\S+: no such file$/m, true));
});

describe('refusals: one line, status 125', () => {
  const refused = (args: string[], line: RegExp) => {
    const r = unikv(args);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(line);
  };
  it('an unknown short option keeps its dash', () => refused(['run', '-q', 'hello.elf'], /^unikv: unknown option -q /));
  it('an unknown long option keeps its dashes', () => refused(['run', '--frobnicate', 'hello.elf'], /^unikv: unknown option --frobnicate /));
  it('a size too large', () => refused(['run', '-m', '1T', 'hello.elf'], /^unikv: --mem 1T: too large/));
  it('a bad backend', () => refused(['run', '--backend', 'bogus', 'hello.elf'], /^unikv: --backend bogus: expected memory, fs or s3$/m));
  it('an option without its value', () => refused(['run', '-c'], /^unikv: -c \(--cpus\) needs a value$/m));
  it('C source as the image', () => refused(['run', 'src/who.c'], /unikv cc src\/who\.c -o src\/who\.elf/));
  it('no image', () => refused(['run'], /no image given/));
  it('a missing image', () => refused(['run', 'nothing.elf'], /nothing\.elf/));
  it('help for a command that does not exist', () => refused(['help', 'frob'], /^unikv: help frob: no such command/));
  it('an unknown command', () => refused(['hello.elf'], /unknown command hello\.elf .*unikv run hello\.elf/));
  it('a --stats-file in a missing directory', () => refused(['run', '--stats-file', 'no/such/s.json', 'hello.elf'], /--stats-file/));
});

// Go programs built the way Go users build static binaries: Debian's golang-go (1.19),
// CGO_ENABLED=0 `go build` (a static ET_EXEC that makes its own system calls, with no
// C library), and `go test -c` of standard-library packages whose tests need no
// testdata, as larger programs the Go project itself checks. GOCACHE and GOPATH live
// in build/, so the build writes nothing outside the project.
import path from 'node:path';
import { BUILD_DIR } from '../../vmm/paths.js';
import { filesUnder, inParallel, type Recipe, runAsync, toolVersion } from './cache.js';
import { GO_PROGRAMS, GO_STD_TESTS, goBin, goTestBin, PROGRAMS_DIR, PROGRAMS_SRC } from './paths.js';

const SRC = path.join(PROGRAMS_SRC, 'go');

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CGO_ENABLED: '0',
    GOOS: 'linux',
    GOARCH: 'amd64',
    GOCACHE: path.join(BUILD_DIR, 'programs', 'go-cache'),
    GOPATH: path.join(BUILD_DIR, 'programs', 'gopath'),
    GOFLAGS: '-buildvcs=false',
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
  };
}

export function goRecipe(): Recipe {
  return {
    name: 'go',
    inputs: filesUnder(SRC),
    salt: [toolVersion('go', ['version'], 'golang-go'), 'CGO_ENABLED=0', ...GO_STD_TESTS],
    outputs: [...GO_PROGRAMS.map(goBin), ...GO_STD_TESTS.map(goTestBin)],
    async build() {
      const env = goEnv();
      // One `go build` for every program (go parallelises inside); `go test -c`
      // takes one package at a time, so two run side by side.
      await runAsync('go', ['build', '-o', path.join(PROGRAMS_DIR, 'go') + path.sep, ...GO_PROGRAMS.map((p) => `./${p}`)], { cwd: SRC, env });
      await inParallel(GO_STD_TESTS.map((pkg) => () => runAsync('go', ['test', '-c', '-o', goTestBin(pkg), pkg], { cwd: SRC, env })));
    },
  };
}

#!/usr/bin/env bash
# Installs what unikv needs on Debian 12 / Ubuntu, then npm ci and npm run build.
#
#   toolchain/install.sh               what running needs: nasm (the kernel), musl-tools
#                                      (guest C programs), libunicorn2 (the CPU engine),
#                                      binutils, gcc, make
#   toolchain/install.sh --with-tests  also what the test suite and the benchmarks need:
#                                      libc6-dev (glibc builds, native references),
#                                      golang-go, rustc, busybox-static (the real
#                                      programs), qemu-user (the programs benchmark),
#                                      gdb (the debugger tests), and Ceph's radosgw
#                                      (toolchain/rgw/rgw.sh install) for the S3 tests
#                                      (--with-rgw is the same)
#   toolchain/install.sh --help        this text
#
# Packages already present are left alone; apt-get runs as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

with_tests=false
for arg in "$@"; do
  case "$arg" in
    --with-tests | --with-rgw) with_tests=true ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# package.json's engines field: node:zlib's crc32 and the snapshot flags need 20.15.
node_ok=$(node -e 'const [a, b] = process.versions.node.split(".").map(Number); console.log(a > 20 || (a === 20 && b >= 15))' 2>/dev/null || echo missing)
if [ "$node_ok" != true ]; then
  echo "install: unikv needs Node.js >= 20.15 (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

packages=(nasm musl-tools libunicorn2 binutils gcc make)
if $with_tests; then packages+=(libc6-dev golang-go rustc busybox-static qemu-user gdb); fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install: apt-get install ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if $with_tests; then toolchain/rgw/rgw.sh install; fi
echo "install: npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error
npm run -s build

#!/usr/bin/env bash
# Installs what unikv needs on Debian 12 / Ubuntu and builds it:
#   nasm (the kernel), musl-tools (guest C programs), libunicorn2 (the CPU engine),
#   binutils/gcc/make, Ceph's radosgw for the S3 tests, then npm ci and npm run build.
#   The real-program tests and bench (toolchain/programs/) also need Go (golang-go),
#   Rust (rustc), Debian's static busybox (busybox-static), qemu-user for the
#   benchmark's comparison, and gcc with libc6-dev for native builds.
# Packages already present are left alone; apt-get runs as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

missing=()
for pkg in nasm musl-tools libunicorn2 binutils gcc make libc6-dev golang-go rustc busybox-static qemu-user; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install: apt-get install ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
toolchain/rgw/rgw.sh install
echo "install: npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error
npm run -s build

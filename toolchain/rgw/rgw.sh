#!/usr/bin/env bash
# Single-node Ceph RADOS Gateway (Debian's radosgw 16.2) on 127.0.0.1, for tests and CI.
#
#   rgw.sh install                                  install the Debian packages when missing
#   rgw.sh start [--dir DIR] [--port PORT] [--owner-pid PID]
#   rgw.sh stop [--dir DIR]
#   rgw.sh status [--dir DIR]
#
# start creates a throwaway cluster in DIR: a cephx keyring, one monitor, one memstore OSD
# (data lives in the OSD's memory), radosgw with beast on 127.0.0.1:PORT, and one S3 user.
# It prints, on stdout and into DIR/env:
#   RGW_ENDPOINT=http://127.0.0.1:PORT  RGW_ACCESS_KEY=...  RGW_SECRET_KEY=...  RGW_DIR=DIR
# Progress and errors go to stderr. Nothing outside DIR is written (no /etc/ceph, no
# /var/lib/ceph, no /var/log/ceph). With --owner-pid, a watchdog stops the cluster when
# that process exits (so a crashed test run leaves nothing behind).
# See docs/rgw.md.

set -euo pipefail
umask 077

PROG=rgw.sh
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
PACKAGES=(radosgw ceph-mon ceph-osd)
BINARIES=(radosgw radosgw-admin ceph-mon ceph-osd ceph ceph-authtool monmaptool)
MARKER=.unikv-rgw            # only directories holding this file are ever removed
START_TIMEOUT=${RGW_START_TIMEOUT:-90}   # seconds, whole start
MEMSTORE_BYTES=${RGW_MEMSTORE_BYTES:-1073741824}   # OSD capacity (memory), default 1 GiB

die() { echo "$PROG: error: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

default_dir() {
  local base=/tmp
  if [[ -n "${XDG_RUNTIME_DIR:-}" && -d "${XDG_RUNTIME_DIR}" && -w "${XDG_RUNTIME_DIR}" ]]; then
    base=$XDG_RUNTIME_DIR
  fi
  echo "$base/unikv-rgw-$(id -u)"
}

# ---------------------------------------------------------------------------------------
# install

packages_missing() {
  local p st missing=()
  for p in "${PACKAGES[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$st" == "install ok installed" ]] || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

cmd_install() {
  [[ $# -eq 0 ]] || die "install takes no arguments"
  local missing
  missing=$(packages_missing)
  if [[ -z "$missing" ]]; then
    return 0
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "installing ${missing} needs root (or sudo)"
    sudo=(sudo -n)
  fi
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/rgw-install.XXXXXX.log")
  note "installing ${missing} (log: $log)"
  export DEBIAN_FRONTEND=noninteractive
  # Package lists may be absent (fresh container): fetch them only when needed.
  if ! apt-cache policy radosgw 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    if ! "${sudo[@]}" apt-get update -qq >>"$log" 2>&1; then
      tail -n 20 "$log" >&2; die "apt-get update failed (log: $log)"
    fi
  fi
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${PACKAGES[@]}" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2; die "apt-get install ${PACKAGES[*]} failed (log: $log)"
  fi
  missing=$(packages_missing)
  [[ -z "$missing" ]] || die "still missing after install: $missing"
  rm -f "$log"
}

# ---------------------------------------------------------------------------------------
# helpers for start/stop/status

DIR=""
PORT=""
OWNER_PID=""

parse_args() {
  local sub=$1; shift
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; DIR=$2; shift 2 ;;
      --dir=*) DIR=${1#--dir=}; shift ;;
      --port) [[ $# -ge 2 && "$sub" == start ]] || die "--port needs a value (start only)"; PORT=$2; shift 2 ;;
      --port=*) [[ "$sub" == start ]] || die "--port is for start only"; PORT=${1#--port=}; shift ;;
      --owner-pid) [[ $# -ge 2 && "$sub" == start ]] || die "--owner-pid needs a value (start only)"; OWNER_PID=$2; shift 2 ;;
      --owner-pid=*) [[ "$sub" == start ]] || die "--owner-pid is for start only"; OWNER_PID=${1#--owner-pid=}; shift ;;
      *) die "unknown argument for $sub: $1" ;;
    esac
  done
  [[ -n "$DIR" ]] || DIR=$(default_dir)
  [[ "$DIR" == /* ]] || DIR=$(pwd)/$DIR
  DIR=${DIR%/}
  [[ -n "$DIR" && "$DIR" != / ]] || die "refusing to use / as DIR"
  if [[ -n "$PORT" ]]; then
    [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]] || die "bad --port: $PORT"
  fi
  if [[ -n "$OWNER_PID" ]]; then
    [[ "$OWNER_PID" =~ ^[0-9]+$ ]] || die "bad --owner-pid: $OWNER_PID"
  fi
}

# Daemons we start, in start order. Pid files: DIR/<name>.pid
DAEMONS=(mon osd rgw)

pid_alive() { # pidfile -> 0 when the process in it runs and is ours (its cmdline names DIR)
  local f=$1 pid
  [[ -s "$f" ]] || return 1
  pid=$(<"$f")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  # Guard against pid reuse: our processes have DIR/ceph.conf or DIR as an argument.
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -e "$DIR/ceph.conf" -e "$DIR" || return 1
}

# Is TCP port $1 listened on (any address, v4 or v6)?
port_listening() {
  local hex
  hex=$(printf ':%04X ' "$1")
  # field 2 is local address, field 4 the state (0A = LISTEN)
  awk -v p="$hex" 'NR > 1 && index($2 " ", p) && $4 == "0A" { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A free port below the ephemeral range (so outgoing connections never take it), other
# than the ports given as arguments. Random, so that parallel starts rarely collide; a
# collision on the S3 port is retried (see cmd_start).
free_port() {
  local lo=20000 span=12000 p i
  for ((i = 0; i < 200; i++)); do
    p=$((lo + (RANDOM * 32768 + RANDOM) % span))
    port_listening "$p" && continue
    [[ " $* " == *" $p "* ]] && continue
    echo "$p"; return 0
  done
  die "no free TCP port found"
}

rand_str() { # length alphabet
  local s=""
  while [[ ${#s} -lt $1 ]]; do
    s+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc "$2" || true)
  done
  echo "${s:0:$1}"
}

ceph_cli() { timeout 30 ceph -c "$DIR/ceph.conf" -n client.admin --connect-timeout 20 "$@"; }

# ---------------------------------------------------------------------------------------
# stop / status

stop_daemons() { # quiet; used by stop and on failed start
  # SIGKILL: all state is thrown away with DIR, and a graceful shutdown takes seconds per
  # daemon for nothing.
  local f pid pids=() i
  for f in "$DIR"/watchdog.pid "$DIR"/rgw.pid "$DIR"/osd.pid "$DIR"/mon.pid; do
    pid_alive "$f" || continue
    pid=$(<"$f")
    [[ "$pid" == "$$" ]] && continue
    kill -KILL "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  [[ ${#pids[@]} -eq 0 ]] && return 0
  # Wait (up to 10 s) until they are gone; zombies of a reaped-later parent count as gone.
  for ((i = 0; i < 100; i++)); do
    local left=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]; then
        left=1
      fi
    done
    [[ $left -eq 0 ]] && return 0
    sleep 0.05
  done
  note "warning: processes ${pids[*]} did not exit"
  return 1
}

cmd_stop() {
  parse_args stop "$@"
  [[ -e "$DIR" ]] || return 0
  [[ -f "$DIR/$MARKER" ]] || die "$DIR was not made by $PROG (no $MARKER); not touching it"
  stop_daemons || die "could not stop the daemons in $DIR"
  rm -rf -- "$DIR"
}

cmd_status() {
  parse_args status "$@"
  if [[ ! -f "$DIR/$MARKER" ]]; then
    echo "stopped (no cluster in $DIR)"; return 3
  fi
  local name up=0
  for name in "${DAEMONS[@]}"; do
    if pid_alive "$DIR/$name.pid"; then
      echo "$name: running (pid $(<"$DIR/$name.pid"))"; up=$((up + 1))
    else
      echo "$name: not running"
    fi
  done
  if [[ $up -eq ${#DAEMONS[@]} && -f "$DIR/env" ]]; then
    cat "$DIR/env"
    local port
    port=$(sed -n 's/^RGW_ENDPOINT=http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$DIR/env")
    if s3_ping "$port"; then echo "s3: answering"; return 0; fi
    echo "s3: not answering"; return 1
  fi
  [[ $up -eq 0 ]] && return 3
  return 1
}

# ---------------------------------------------------------------------------------------
# start

# Anonymous "GET /" (ListBuckets): RGW answers 200 once it serves S3.
s3_ping() {
  local port=$1 line
  line=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$1" >&3
    head -n 1 <&3' _ "$port" 2>/dev/null) || return 1
  [[ "$line" == "HTTP/1.1 200"* ]]
}

START_T0=$SECONDS
FAIL_LOG=""

start_fail() { # message [log to show]
  # fd 9 is the script's stderr: a signal trap may run inside a block redirected to a log.
  local msg=$1 log=${2:-$FAIL_LOG}
  trap - INT TERM HUP
  echo >&9
  if [[ -n "$log" && -f "$log" ]]; then
    echo "---- last lines of $log" >&9
    tail -n 25 "$log" >&9 || true
    echo "----" >&9
  fi
  stop_daemons >/dev/null 2>&1 || true
  echo "$PROG: error: $msg (logs kept in $DIR/log; '$PROG stop --dir $DIR' removes them)" >&9
  exit 1
}

deadline_left() { echo $((START_TIMEOUT - (SECONDS - START_T0))); }

# Last error line of a Ceph log, without its timestamp/thread/level prefix.
last_error() {
  [[ -f "$1" ]] || return 0
  grep -E '^[0-9T:.+-]+ [0-9a-f]+ -1 ' "$1" 2>/dev/null | tail -n 1 | cut -d' ' -f4- | cut -c1-200
}

# try_wait pidfile command... : retry command until it succeeds (0), the daemon in pidfile
# exits (1) or the start deadline passes (2); prints progress dots.
try_wait() {
  local pidf=$1; shift
  while true; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    pid_alive "$pidf" || return 1
    [[ $(deadline_left) -gt 0 ]] || return 2
    printf . >&2
    sleep 0.5
  done
}

# wait_for "what" logfile pidfile command... : try_wait, failing the start with a clear line.
wait_for() {
  local what=$1 log=$2 pidf=$3 rc=0 err; shift 3
  try_wait "$pidf" "$@" || rc=$?
  case $rc in
    0) return 0 ;;
    1) err=$(last_error "$log"); start_fail "$what exited during startup${err:+: $err}" "$log" ;;
    *) start_fail "$what not ready after ${START_TIMEOUT} s" "$log" ;;
  esac
}

# Run "$@" with stdin from /dev/null, output to $1 and no other inherited descriptor
# (a daemon holding the caller's stdout/stderr pipe open would make it wait forever).
detached() {
  local out=$1 fd; shift
  exec </dev/null >>"$out" 2>&1
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    [[ "$fd" =~ ^[0-9]+$ && "$fd" -gt 2 ]] && eval "exec $fd>&-" 2>/dev/null
  done
  exec setsid "$@"
}

launch() { # name logname cmd... : run a daemon in the background, in its own session
  local name=$1 logname=$2; shift 2
  ( detached "$DIR/log/$logname.out" "$@" ) &
  echo $! >"$DIR/$name.pid"
}

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up '; }

write_conf() {
  local fsid=$1 mon_port=$2 rgw_port=$3
  cat >"$DIR/ceph.conf" <<EOF
# Throwaway single-node cluster made by $PROG; see docs/rgw.md.
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
ms bind msgr1 = false
ms bind ipv6 = false
# cephx is required: with auth "none" radosgw hangs at startup.
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $DIR/keyring
# Keep every file inside DIR.
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file =
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
log max recent = 500
mon cluster log file = $DIR/log/cluster.log
crash dir = $DIR/crash
# One OSD: pools of size 1 with few placement groups, no autoscaler (it lives in ceph-mgr,
# which is not run: I/O works without it; health just says "no active mgr").
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
# No ceph-mgr: keep health at HEALTH_OK instead of MGR_DOWN (WARN after 120 s, then ERR).
mon mgr mkfs grace = 1000000000
mon mgr inactive grace = 1000000000
mon data avail warn = 2
mon data avail crit = 1
# The monitor batches map updates for 1 s by default: each pool creation and the OSD boot
# would wait for it. A test cluster needs no batching.
paxos propose interval = 0.01
paxos min wait = 0.001
auth allow insecure global id reclaim = false

[mon]
mon data = $DIR/mon
mon initial members = a
mon cluster log to file = true

[osd]
osd data = $DIR/osd
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd crush initial weight = 1
public addr = 127.0.0.1
cluster addr = 127.0.0.1
osd memory target = 268435456
# Copy object data into 4 KiB pages instead of keeping references to the (larger) network
# buffers it arrived in: about half the memory per stored object.
memstore page set = true
memstore page size = 4096
osd pg log dups tracked = 500
osd op num shards = 2
osd op num threads per shard = 1
osd min pg log entries = 100
osd max pg log entries = 500

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $DIR/rgw
rgw luarocks location = $DIR/rgw/luarocks
rgw enable apis = s3, admin
rgw thread pool size = 64
rgw init timeout = 60
rgw enable usage log = false
rgw enable lc threads = false
rgw enable quota threads = false
rgw enable ops log = false
# Level 1 logs three lines per request (unbounded file, and slower); errors still show.
debug rgw = 0/5
EOF
  if [[ -n "${RGW_CEPH_CONF_EXTRA:-}" ]]; then
    printf '\n# From $RGW_CEPH_CONF_EXTRA:\n%s\n' "$RGW_CEPH_CONF_EXTRA" >>"$DIR/ceph.conf"
  fi
}

cmd_start() {
  parse_args start "$@"
  exec 9>&2
  local b
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null || die "$b not found: run '$SELF install' (as root)"
  done

  if [[ -n "$PORT" ]] && port_listening "$PORT"; then
    die "port $PORT is already in use"
  fi
  if [[ -d "$DIR" && ! -f "$DIR/$MARKER" && -z "$(ls -A "$DIR")" ]]; then
    touch "$DIR/$MARKER"    # an empty directory (from mktemp -d) is fine
  fi
  if [[ -e "$DIR" ]]; then
    [[ -f "$DIR/$MARKER" ]] || die "$DIR exists, is not empty and was not made by $PROG; choose another --dir"
    local name
    for name in "${DAEMONS[@]}"; do
      pid_alive "$DIR/$name.pid" && die "a cluster is already running in $DIR; run '$PROG stop --dir $DIR' first"
    done
    rm -rf -- "$DIR"
  fi
  mkdir -p "$DIR"
  [[ -O "$DIR" ]] || die "$DIR is not owned by $(id -un)"
  touch "$DIR/$MARKER"
  mkdir -p "$DIR/log" "$DIR/run" "$DIR/mon" "$DIR/osd" "$DIR/rgw" "$DIR/crash"
  trap 'start_fail "interrupted"' INT TERM HUP

  local mon_port rgw_port fsid osd_uuid ak sk
  rgw_port=${PORT:-$(free_port)}
  mon_port=$(free_port "$rgw_port")
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid" "$mon_port" "$rgw_port"
  printf '%s' "$PROG: starting Ceph RGW in $DIR: mon" >&2

  # Keyring: every key goes into the monitor's initial auth database.
  local kr=$DIR/keyring setup_log=$DIR/log/setup.log
  FAIL_LOG=$setup_log
  {
    ceph-authtool --create-keyring "$kr" --gen-key -n mon. --cap mon 'allow *' &&
    ceph-authtool "$kr" --gen-key -n client.admin \
      --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' &&
    ceph-authtool "$kr" --gen-key -n osd.0 \
      --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' &&
    ceph-authtool "$kr" --gen-key -n client.rgw.a \
      --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' &&
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/run/monmap" &&
    ceph-mon -c "$DIR/ceph.conf" -i a --mkfs --monmap "$DIR/run/monmap" --keyring "$kr"
  } >>"$setup_log" 2>&1 || start_fail "creating the keyring and the monitor failed"

  launch mon mon.a ceph-mon -c "$DIR/ceph.conf" -i a -f
  FAIL_LOG=$DIR/log/mon.a.log
  wait_for "monitor" "$DIR/log/mon.a.log" "$DIR/mon.pid" port_listening "$mon_port"

  printf ' osd' >&2
  FAIL_LOG=$setup_log
  ceph_cli osd new "$osd_uuid" 0 >>"$setup_log" 2>&1 || start_fail "'ceph osd new' failed"
  ceph-osd -c "$DIR/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$setup_log" 2>&1 ||
    start_fail "ceph-osd --mkfs failed"
  launch osd osd.0 ceph-osd -c "$DIR/ceph.conf" -i 0 -f
  wait_for "OSD" "$DIR/log/osd.0.log" "$DIR/osd.pid" osd_up

  printf ' user' >&2
  ak=$(rand_str 20 'A-Z0-9')
  sk=$(rand_str 40 'A-Za-z0-9')
  timeout "$(( $(deadline_left) > 5 ? $(deadline_left) : 5 ))" \
    radosgw-admin -c "$DIR/ceph.conf" -n client.admin user create --uid=unikv \
      --display-name=unikv --access-key="$ak" --secret-key="$sk" >>"$setup_log" 2>&1 ||
    start_fail "radosgw-admin user create failed"

  printf ' rgw' >&2
  local rgw_log=$DIR/log/client.rgw.a.log attempt rc
  FAIL_LOG=$rgw_log
  for attempt in 1 2 3; do
    launch rgw client.rgw.a radosgw -c "$DIR/ceph.conf" -n client.rgw.a -f
    rc=0
    try_wait "$DIR/rgw.pid" s3_ping "$rgw_port" || rc=$?
    # Someone took the (random) port meanwhile: take another one.
    if [[ $rc -eq 1 && -z "$PORT" && $attempt -lt 3 ]] &&
        grep -q 'failed to bind address.*in use' "$rgw_log" 2>/dev/null; then
      rgw_port=$(free_port "$mon_port" "$rgw_port")
      sed -i "s|^rgw frontends = beast endpoint=127.0.0.1:[0-9]* |rgw frontends = beast endpoint=127.0.0.1:$rgw_port |" \
        "$DIR/ceph.conf"
      mv "$rgw_log" "$rgw_log.$attempt"
      continue
    fi
    break
  done
  case $rc in
    0) ;;
    1) start_fail "radosgw exited during startup: $(last_error "$rgw_log")" ;;
    *) start_fail "radosgw not ready after ${START_TIMEOUT} s" ;;
  esac

  cat >"$DIR/env" <<EOF
RGW_ENDPOINT=http://127.0.0.1:$rgw_port
RGW_ACCESS_KEY=$ak
RGW_SECRET_KEY=$sk
RGW_DIR=$DIR
EOF
  trap - INT TERM HUP

  if [[ -n "$OWNER_PID" ]]; then
    # Watchdog: stop the cluster when the owner goes away.
    ( detached "$DIR/log/watchdog.out" bash -c '
      while kill -0 "$1" 2>/dev/null; do sleep 1; done
      exec "$2" stop --dir "$3"' rgw-watchdog "$OWNER_PID" "$SELF" "$DIR" ) &
    echo $! >"$DIR/watchdog.pid"
  fi

  echo " ready in $((SECONDS - START_T0)) s" >&2
  cat "$DIR/env"
}

# ---------------------------------------------------------------------------------------

usage() {
  sed -n '2,8p' "$SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
sub=$1; shift
case "$sub" in
  install) cmd_install "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  -h|--help|help) usage ;;
  *) echo "$PROG: unknown command: $sub" >&2; usage ;;
esac

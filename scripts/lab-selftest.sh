#!/bin/bash
# End-to-end checks of `sluice lab` against real guests, and its boot-run-poweroff time.
#   - stdout/stderr/exit code round trip
#   - teardown: --timeout, SIGINT, SIGTERM and SIGKILL of sluice each leave no QEMU behind
#   - timing: N runs of `true` (default 3), boot-to-ready and total as sluice measures them
# Usage: scripts/lab-selftest.sh [N]      (build first: swift build)
# Environment: SLUICE (binary, default .build/debug/sluice), SLUICE_LAB_CACHE, SLUICE_LAB_LOCK.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SLUICE=${SLUICE:-$ROOT/.build/debug/sluice}
N=${1:-3}
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# A pid is gone when it no longer exists or is a zombie waiting for init.
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# The QEMU child of a running sluice (setpriv execs QEMU, so it is the direct child).
qemu_of() {
  local p=$1 q
  for _ in $(seq 1 3000); do  # up to 5 min: the lab lock may be held by someone else
    q=$(cat /proc/"$p"/task/*/children 2>/dev/null | tr -d ' ')
    [ -n "$q" ] && grep -q qemu "/proc/$q/comm" 2>/dev/null && { echo "$q"; return; }
    sleep 0.1
  done
}

out=$("$SLUICE" lab run -- sh -c 'printf "a b\n"; printf "to-stderr\n" >&2; exit 42' 2>/tmp/lab-selftest.err)
rc=$?
[ "$rc" = 42 ] && [ "$out" = "a b" ] && grep -q '^to-stderr$' /tmp/lab-selftest.err \
  && ok "round trip: stdout, stderr and exit code 42" || bad "round trip: rc=$rc out='$out'"

"$SLUICE" lab run --timeout 15 -- sleep 600 2>/dev/null; rc=$?
[ "$rc" = 124 ] && ok "timeout: exit code 124" || bad "timeout: rc=$rc"

for sig in INT TERM KILL; do
  "$SLUICE" lab run --timeout 300 -- sleep 600 2>/dev/null &
  sp=$!
  q=$(qemu_of "$sp")
  [ -n "$q" ] || { bad "SIG$sig: no QEMU appeared"; kill -KILL "$sp"; continue; }
  sleep 2
  kill -"$sig" "$sp"; wait "$sp" 2>/dev/null; rc=$?
  for _ in $(seq 1 50); do gone "$q" && break; sleep 0.1; done
  if gone "$q"; then ok "SIG$sig to sluice: exit $rc, QEMU $q gone"
  else bad "SIG$sig to sluice: QEMU $q still running"; kill -KILL "$q"; fi
done

echo "timing: $N x \`sluice lab run --timing -- true\` (kernel 6.1, PVH vmlinux, TCG; load: $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq 1 "$N"); do
  "$SLUICE" lab run --timing -- true 2>&1 | grep 'boot to ready' | sed 's/^sluice lab: /  /'
done
exit $fail

// PID 1 of a lab guest: a busybox shell script, packed into the initramfs as /init.
//
// It loads the drivers listed in /etc/sluice-modules, mounts the host root (9p, read-only) at
// /host with fresh proc, sys, dev, tmp and run inside, makes the guest kernel's own module tree
// appear at /lib/modules/<version> inside the chroot (so `modprobe` works there), then either runs
// <run dir>/cmd.sh in `chroot /host` with its stdout on ttyS1 and stderr on ttyS2 (raw, so bytes
// pass unchanged) and reports the exit code on the console, or gives an interactive shell.
// Markers on the console (ttyS0) are the protocol with the host: see ConsoleProtocol.
enum GuestInit {
    static let script = #"""
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
up() { read -r t _ < /proc/uptime; echo "$t"; }
say() { echo "SLUICE-LAB: $*"; }
fail() { echo "SLUICE-LAB-ERROR $*"; sync; poweroff -f; }
say "init kernel=$(uname -r) t=$(up)"
for m in $(cat /etc/sluice-modules); do
  insmod "/lib/modules/$m" 2>/tmp/insmod.err || say "insmod $m: $(cat /tmp/insmod.err)"
done
RUN=; MODS=; SHELLMODE=; SHARES=
for a in $(cat /proc/cmdline); do
  case $a in
    sluice.run=*) RUN=${a#sluice.run=} ;;
    sluice.share=*) SHARES="$SHARES ${a#sluice.share=}" ;;
    sluice.modules=*) MODS=${a#sluice.modules=} ;;
    sluice.shell) SHELLMODE=1 ;;
  esac
done
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host || fail "cannot mount the host root over 9p"
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mount -t tmpfs tmpfs /host/tmp
mount -t tmpfs tmpfs /host/run
mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null
if [ -n "$MODS" ] && [ -d "/host$MODS" ]; then
  if [ -d /host/lib/modules ]; then
    mount -t tmpfs tmpfs /host/lib/modules && mkdir -p "/host/lib/modules/$(uname -r)" &&
      mount --bind "/host$MODS" "/host/lib/modules/$(uname -r)" || say "module tree not mounted"
  elif [ -d /host/usr/local/sbin ]; then
    # No /lib/modules on the host to mount over: a modprobe that looks in the guest kernel's tree.
    mount -t tmpfs tmpfs /host/usr/local/sbin
    printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "${MODS%/lib/modules/*}" > /host/usr/local/sbin/modprobe
    chmod 755 /host/usr/local/sbin/modprobe
  fi
fi
for s in $SHARES; do
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "${s%%:*}" "/host${s#*:}" || fail "cannot mount the share ${s#*:}"
done
say "ready t=$(up)"
if [ -n "$SHELLMODE" ]; then
  echo "sluice lab shell: the host's root, read-only, with this guest's /proc, /sys and /dev. Exit to power off."
  setsid cttyhack chroot /host /bin/sh -c 'cd /; if [ -x /bin/bash ]; then exec /bin/bash -i; else exec /bin/sh -i; fi'
  echo "SLUICE-LAB-EXIT $?"
else
  [ -n "$RUN" ] && [ -f "/host$RUN/cmd.sh" ] || fail "no command at $RUN/cmd.sh"
  stty -F /dev/ttyS1 raw -echo 2>/dev/null
  stty -F /dev/ttyS2 raw -echo 2>/dev/null
  chroot /host /bin/sh "$RUN/cmd.sh" < /dev/null > /dev/ttyS1 2> /dev/ttyS2
  echo "SLUICE-LAB-EXIT $? t=$(up)"
fi
sync
poweroff -f
"""#
}

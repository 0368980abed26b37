#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the initramfs of the Linux-as-L1 boot test (cpio newc, gzip):
# Debian's busybox-static as /bin/busybox (and /bin/sh), the static init
# checker tests/linux/linuxcheck.c and KVM client tests/linux/kvmcheck.c
# (built here with the host's gcc -static), kvm-amd and kvm-intel and the
# modules they need from the kernel package (irqbypass, kvm, and ccp for
# kvm-amd: Debian ships no modules.dep; the order follows each .ko's
# .modinfo "depends"), and an /init script that mounts proc, sysfs and
# devtmpfs, loads the modules for the CPU's vendor when the command line
# has linuxcheck.kvm, and runs the checker.
#   tests/linux/mkinitramfs.sh OUT.cpio.gz BUSYBOX BUILD_DIR [MODULES_DIR]
set -euo pipefail

out=$1 busybox=$2 build=$3 modules=${4-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build"
for p in linuxcheck kvmcheck; do
	gcc -static -O2 -Wall -Wextra -Werror -o "$build/$p" "$here/$p.c"
done
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$build/linuxcheck" "$build/kvmcheck" "$root/bin/"
kmods="virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd arch/x86/kvm/kvm-intel"
if [ -n "$modules" ]; then
	mkdir -p "$root/lib/modules"
	for m in $kmods; do
		cp "$modules/kernel/$m.ko" "$root/lib/modules/"
	done
fi
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
if /bin/busybox grep -q linuxcheck.kvm /proc/cmdline; then
	mods="irqbypass kvm ccp kvm-amd"
	/bin/busybox grep -q GenuineIntel /proc/cpuinfo &&
		mods="irqbypass kvm kvm-intel"
	for m in $mods; do
		/bin/busybox insmod /lib/modules/$m.ko ||
			echo "[linuxcheck] insmod $m failed"
	done
fi
exec /bin/linuxcheck
INIT
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --owner 0:0) |
	gzip -9n >"$out"

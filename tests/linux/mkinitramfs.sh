#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the initramfs of the Linux-as-L1 boot test (cpio newc, gzip):
# Debian's busybox-static as /bin/busybox (and /bin/sh), the static init
# checker tests/linux/linuxcheck.c (built here with the host's gcc -static)
# and an /init script that mounts proc, sysfs and devtmpfs and runs it.
#   tests/linux/mkinitramfs.sh OUT.cpio.gz BUSYBOX BUILD_DIR
set -euo pipefail

out=$1 busybox=$2 build=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build"
gcc -static -O2 -Wall -Wextra -Werror -o "$build/linuxcheck" "$here/linuxcheck.c"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$build/linuxcheck" "$root/bin/linuxcheck"
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec /bin/linuxcheck
INIT
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --owner 0:0) |
	gzip -9n >"$out"

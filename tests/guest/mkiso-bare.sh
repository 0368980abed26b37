#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build a GRUB rescue ISO that boots a test kernel directly (no Modex), to
# prove test kernels on emulators:
#   tests/guest/mkiso-bare.sh OUT.iso GUEST.elf mb1|mb2 "CMDLINE"
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 OUT.iso GUEST.elf mb1|mb2 [CMDLINE]" >&2; exit 2; }
out=$1 guest=$2 proto=$3 cmdline=${4-}
case $proto in
mb1) cmd=multiboot ;;
mb2) cmd=multiboot2 ;;
*) echo "mkiso-bare: protocol must be mb1 or mb2, not '$proto'" >&2; exit 2 ;;
esac
command -v grub-mkrescue >/dev/null || {
	echo "mkiso-bare: grub-mkrescue not found (needs grub-pc-bin grub-common xorriso mtools)" >&2
	exit 1
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$guest" "$dir/boot/guest.elf"
cat >"$dir/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "test kernel" {
	$cmd /boot/guest.elf $cmdline
	boot
}
CFG
mkdir -p "$(dirname "$out")"
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out" "$dir" >"$out.log" 2>&1 || {
	cat "$out.log" >&2
	exit 1
}

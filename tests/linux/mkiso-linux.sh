#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A GRUB rescue ISO that boots a Linux bzImage and initrd directly (no
# Modex), with GRUB's own Linux loader: the bare reference runs of
# tests/boot/linux_cases.sh.
#   tests/linux/mkiso-linux.sh OUT.iso BZIMAGE INITRD "KERNEL CMDLINE"
set -euo pipefail

out=$1 kernel=$2 initrd=$3 cmdline=${4-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/vmlinuz"
cp "$initrd" "$dir/boot/initrd.gz"
cat >"$dir/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Linux" {
	linux /boot/vmlinuz $cmdline
	initrd /boot/initrd.gz
	boot
}
CFG
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out" "$dir" >"$out.log" 2>&1 || {
	cat "$out.log" >&2
	exit 1
}

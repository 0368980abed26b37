#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build a GRUB rescue ISO that boots Modex, optionally with an L1 module
# and further modules that Modex hands to L1 as L1's own.
#   tools/mkiso.sh OUT.iso MODEX.elf "MODEX CMDLINE" [L1.elf "L1 CMDLINE"
#                  [FILE "FILE CMDLINE"]...]
# The generated grub.cfg is the same one README.md shows for real hardware.
# The ISO boots under BIOS (GRUB i386-pc) and UEFI (GRUB x86_64-efi).
# MODEX_ISO_FIRMWARE=bios makes a BIOS-only ISO instead: half the size and
# about 0.2 s quicker to build, which the hundreds of BIOS boot cases use.
# Either way GRUB sets a framebuffer mode (GOP on UEFI, VBE on BIOS) for
# the optional framebuffer tag of Modex's multiboot2 header.
set -euo pipefail

out=$1 modex=$2 cmdline=${3-}
l1=${4-} l1_cmdline=${5-}
shift $(($# < 5 ? $# : 5))

command -v grub-mkrescue >/dev/null || {
	echo "mkiso: grub-mkrescue not found; run 'make deps' (needs grub-pc-bin grub-common xorriso mtools)" >&2
	exit 1
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$modex" "$dir/boot/modex.elf"
firmware=${MODEX_ISO_FIRMWARE:-bios uefi}
case $firmware in
bios) platforms=(-d /usr/lib/grub/i386-pc) ;;
"bios uefi") platforms=() ;; # grub-mkrescue takes every platform installed
*)
	echo "mkiso: MODEX_ISO_FIRMWARE is 'bios' or 'bios uefi', not '$firmware'" >&2
	exit 1
	;;
esac
if [ "$firmware" != bios ] && [ ! -d /usr/lib/grub/x86_64-efi ]; then
	echo "mkiso: /usr/lib/grub/x86_64-efi not found; run 'make deps' (needs grub-efi-amd64-bin)" >&2
	exit 1
fi

{
	echo "set timeout=0"
	echo "set default=0"
	# The video drivers for the framebuffer Modex's header asks for.
	echo "insmod all_video"
	echo "menuentry \"Modex\" {"
	echo "	multiboot2 /boot/modex.elf $cmdline"
	if [ -n "$l1" ]; then
		cp "$l1" "$dir/boot/l1.elf"
		echo "	module2 /boot/l1.elf l1 $l1_cmdline"
	fi
	n=0
	while [ $# -ge 1 ]; do
		cp "$1" "$dir/boot/mod$n"
		echo "	module2 /boot/mod$n ${2-}"
		n=$((n + 1))
		shift $(($# < 2 ? $# : 2))
	done
	echo "	boot"
	echo "}"
} >"$dir/boot/grub/grub.cfg"
mkdir -p "$(dirname "$out")"
grub-mkrescue "${platforms[@]}" -o "$out" "$dir" >"$out.log" 2>&1 || {
	cat "$out.log" >&2
	exit 1
}

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GRUB's multiboot2 loader refuses an ELF with any SHT_REL/SHT_RELA
# section header ("ELF files with relocs are not supported yet"). Modex
# applies its own R_X86_64_RELATIVE relocations (boot/relocate.c), so the
# linked .rela.dyn is retyped to SHT_PROGBITS in place: same bytes, same
# address, still found through __rela_start/__rela_end.
#   tools/elf-hide-rela.sh MODEX.elf
set -euo pipefail
elf=$1

shoff=$(readelf -hW "$elf" | awk '/Start of section headers:/ {print $5}')
shentsize=$(readelf -hW "$elf" | awk '/Size of section headers:/ {print $5}')
idx=$(readelf -SW "$elf" | sed -n 's/^ *\[ *\([0-9]*\)\] \.rela\.dyn .*/\1/p')
if [ -z "$idx" ]; then
	echo "elf-hide-rela: $elf has no .rela.dyn section" >&2
	exit 1
fi
# Elf64_Shdr.sh_type is the u32 at offset 4 (little-endian); 1 = PROGBITS.
printf '\001\000\000\000' |
	dd of="$elf" bs=1 seek=$((shoff + idx * shentsize + 4)) conv=notrunc status=none
if readelf -SW "$elf" | grep -qE ' (REL|RELA) '; then
	echo "elf-hide-rela: $elf still has a relocation section header" >&2
	exit 1
fi

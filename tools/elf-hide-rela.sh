#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GRUB's multiboot2 loader refuses an ELF with any SHT_REL/SHT_RELA
# section header ("ELF files with relocs are not supported yet"). Modex
# applies its own R_X86_64_RELATIVE relocations (boot/relocate.c), so the
# linked .rela.dyn is retyped to SHT_PROGBITS in place: same bytes, same
# address, still found through __rela_start/__rela_end. Checks first that
# every relocation is one boot/relocate.c applies and none patches .text.
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
# Modex applies only R_X86_64_RELATIVE, and .text stays as linked (RX).
read -r tstart tsize < <(readelf -SW "$elf" |
	awk '{for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 2), $(i + 4)}')
n=0
while read -r off _ type _; do
	if [ "$type" != R_X86_64_RELATIVE ]; then
		echo "elf-hide-rela: relocation of type $type at $off; only R_X86_64_RELATIVE is applied" >&2
		exit 1
	fi
	if [ $((16#$off)) -ge $((16#$tstart)) ] && [ $((16#$off)) -lt $((16#$tstart + 16#$tsize)) ]; then
		echo "elf-hide-rela: relocation at $off patches .text" >&2
		exit 1
	fi
	n=$((n + 1))
done < <(readelf -rW "$elf" | awk '$1 ~ /^[0-9a-f]+$/ && NF >= 3')
[ "$n" -gt 0 ] || { echo "elf-hide-rela: no relocations in $elf" >&2; exit 1; }
# Elf64_Shdr.sh_type is the u32 at offset 4 (little-endian); 1 = PROGBITS.
printf '\001\000\000\000' |
	dd of="$elf" bs=1 seek=$((shoff + idx * shentsize + 4)) conv=notrunc status=none
if readelf -SW "$elf" | grep -qE ' (REL|RELA) '; then
	echo "elf-hide-rela: $elf still has a relocation section header" >&2
	exit 1
fi

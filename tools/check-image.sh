#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Invariants of the linked image: the multiboot2 header lies in the first
# 32 KiB (Multiboot2 spec 3.1.1) and no loadable segment is writable and
# executable at once.
set -euo pipefail
elf=$1

off=$(readelf -SW "$elf" | awk '{for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 3)}')
hdr=$(od -An -tx4 -j $((16#$off)) -N4 "$elf" | tr -d ' ')
if [ "$hdr" != "e85250d6" ]; then
	echo "check-image: multiboot2 header not at the start of .text (found $hdr)" >&2
	exit 1
fi
if [ $((16#$off)) -ge 32768 ]; then
	echo "check-image: multiboot2 header beyond the first 32 KiB" >&2
	exit 1
fi
if readelf -lW "$elf" | awk '$1=="LOAD" && $7 ~ /W/ && $7 ~ /E/' | grep -q .; then
	echo "check-image: a loadable segment is both writable and executable" >&2
	exit 1
fi

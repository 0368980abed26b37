#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nested SVM benchmark (not a test): runs tests/bench/l1_nsvm_bench.c (an
# L1 SVM hypervisor whose L2 executes CPUID N times, each intercepted by
# L1) under Modex and bare, on Bochs ryzen (the TSC counts instructions)
# and on QEMU TCG with -icount shift=0, and prints instructions per L2
# CPUID round trip (L2 exit, L1's handler, L1's VMRUN) with the bare loop
# subtracted, and L0 exits per round trip from Modex's "nested:" line.
#   tools/bench-nsvm.sh [N]   (default 2000)
set -euo pipefail
# BIOS-only ISOs, as the boot tests use (tools/mkiso.sh).
export MODEX_ISO_FIRMWARE=${MODEX_ISO_FIRMWARE:-bios}

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
n=${1:-2000}
out=$BUILD/bench
mkdir -p "$out"
make -s -j"$(nproc)" "$BUILD/modex.elf" guests >/dev/null
elf=$BUILD/guest/l1_nsvm_bench_mb2.elf
BOCHS=$(tools/bochs.sh)
export BOCHS

run() { # HOST MODE
	local iso=$out/nsvm-$2-$1.iso log=$out/nsvm-$2-$1.log exit=exit=bochs
	[ "$1" = qemu ] && exit=exit=qemu
	if [ "$2" = modex ]; then
		tools/mkiso.sh "$iso" "$BUILD/modex.elf" "$exit" "$elf" "n=$n" >/dev/null
	else
		tests/guest/mkiso-bare.sh "$iso" "$elf" mb2 "n=$n $exit" >/dev/null
	fi
	if [ "$1" = qemu ]; then
		timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 256 \
			-icount shift=0 -display none -no-reboot -monitor none \
			-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=4 \
			-cdrom "$iso" -boot d </dev/null >/dev/null 2>&1 || true
	else
		BOCHS_CPUS=1 tests/boot/run-bochs.sh "$1" "$iso" "$log" 600 \
			>/dev/null 2>&1 || true
	fi
	sed -i 's/\r$//' "$log"
}
tsc() { sed -n 's/.*bench: l2-cpuid n=[0-9]* tsc=\([0-9]*\).*/\1/p' "$1" | head -n1; }
for h in ryzen qemu; do
	run "$h" modex
	run "$h" bare
	m=$(tsc "$out/nsvm-modex-$h.log") b=$(tsc "$out/nsvm-bare-$h.log")
	x=$(sed -n 's/.*nested: \([0-9]*\) hardware exits.*/\1/p' "$out/nsvm-modex-$h.log")
	[ -n "$m" ] && [ -n "$b" ] && [ -n "$x" ] ||
		{ echo "bench: missing figures for $h (logs in $out/)" >&2; exit 1; }
	awk -v h="$h" -v n="$n" -v m="$m" -v b="$b" -v x="$x" 'BEGIN {
		printf "%s: L2 CPUID round trip %.0f instructions bare, %.0f under Modex (Modex %.0f); %.2f L0 exits per round trip (whole run)\n",
			h, b / n, m / n, (m - b) / n, x / n }'
done

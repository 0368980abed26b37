#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SVM exit round-trip benchmark (not a test): runs tests/bench/l1_bench.c
# under Modex and directly on QEMU TCG with -icount shift=0 (the TSC then
# counts instructions, Modex's included) and prints instructions per CPUID
# and VMMCALL exit round trip, with the same loop's cost without Modex
# subtracted, and the exits Modex counted during L1's boot.
#   tools/bench-svm.sh [N]        (N iterations, default 100000)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
n=${1:-100000}
out=$BUILD/bench
mkdir -p "$out"

make -s -j"$(nproc)" "$BUILD/modex.elf" guests >/dev/null # guests includes tests/bench/l1_bench.c


tools/mkiso.sh "$out/modex.iso" "$BUILD/modex.elf" "exit=qemu" "$BUILD/guest/l1_bench_mb2.elf" "n=$n" >/dev/null
tests/guest/mkiso-bare.sh "$out/bare.iso" "$BUILD/guest/l1_bench_mb2.elf" mb2 "n=$n exit=qemu" >/dev/null

run() { # run ISO LOG
	timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 256 -icount shift=0 \
		-display none -no-reboot -monitor none -serial "file:$2" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -cdrom "$1" -boot d \
		</dev/null >/dev/null 2>&1 || true
}
run "$out/modex.iso" "$out/modex.log"
run "$out/bare.iso" "$out/bare.log"

val() { sed -n "s/.*bench: $2 n=[0-9]* tsc=\([0-9]*\).*/\1/p" "$1" | head -n1; }
m_nop=$(val "$out/modex.log" nop) m_cpuid=$(val "$out/modex.log" cpuid)
m_vmm=$(val "$out/modex.log" vmmcall) m_apic=$(val "$out/modex.log" xapic-store)
b_apic=$(val "$out/bare.log" xapic-store)
b_nop=$(val "$out/bare.log" nop) b_cpuid=$(val "$out/bare.log" cpuid)
for v in m_nop m_cpuid m_vmm b_nop b_cpuid m_apic b_apic; do
	[ -n "${!v}" ] || { echo "bench: missing figure $v (logs in $out/)" >&2; exit 1; }
done
echo "SVM exit round trip, QEMU TCG -cpu max -icount shift=0, N=$n (instructions per iteration):"
awk -v n="$n" -v mn="$m_nop" -v mc="$m_cpuid" -v mv="$m_vmm" -v bn="$b_nop" -v bc="$b_cpuid" \
	-v ma="$m_apic" -v ba="$b_apic" 'BEGIN {
	printf "  bare:  nop loop %.1f, cpuid loop %.1f\n", bn / n, bc / n
	printf "  modex: nop loop %.1f, cpuid loop %.1f, vmmcall loop %.1f\n", mn / n, mc / n, mv / n
	printf "  CPUID exit round trip:   %.1f instructions (modex cpuid loop - bare cpuid loop)\n", (mc - bc) / n
	printf "  VMMCALL exit round trip: %.1f instructions (modex vmmcall loop - bare cpuid loop)\n", (mv - bc) / n
	printf "  xAPIC store (emulated):  %.1f instructions (modex - bare xapic-store loop)\n", (ma - ba) / n
}'
grep -h 'bench: boot-exits' "$out/modex.log" | sed 's/.*bench: /  L1 boot (first instruction to main): /'
grep -h '\[modex\] guest: exits:' "$out/modex.log" | sed 's/^\[modex\] guest: /  whole run: /'

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SVM benchmark (not a test): runs tests/bench/l1_bench.c under Modex and
# directly on QEMU TCG with -icount shift=0 (the TSC then counts
# instructions, Modex's included) and prints instructions per CPUID and
# VMMCALL exit round trip, with the same loop's cost without Modex
# subtracted, the exits Modex counted during L1's boot, the boot path
# (instructions from Modex's first instruction to L1's), and instructions
# and L0 exits per IPI that L1 sends to itself (xAPIC ICR; x2APIC ICR where
# the CPU model has x2APIC).
#   tools/bench-svm.sh [-smp CPUS] [N [IPI_N]]
#     N: exit loop iterations (default 100000); IPI_N: IPIs per mode
#     (default 10000, 0 for none); CPUS: QEMU -smp (default 1).
set -euo pipefail
# BIOS-only ISOs, as the boot tests use (tools/mkiso.sh).
export MODEX_ISO_FIRMWARE=${MODEX_ISO_FIRMWARE:-bios}

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
smp=1
if [ "${1:-}" = -smp ]; then
	smp=${2:?-smp needs a CPU count}
	shift 2
fi
n=${1:-100000}
ipi=${2:-10000}
out=$BUILD/bench
mkdir -p "$out"

make -s -j"$(nproc)" "$BUILD/modex.elf" guests >/dev/null # guests includes tests/bench/l1_bench.c

args="n=$n ipi=$ipi"
tools/mkiso.sh "$out/modex.iso" "$BUILD/modex.elf" "exit=qemu" "$BUILD/guest/l1_bench_mb2.elf" "$args" >/dev/null
tests/guest/mkiso-bare.sh "$out/bare.iso" "$BUILD/guest/l1_bench_mb2.elf" mb2 "$args exit=qemu" >/dev/null

run() { # run ISO LOG
	timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 256 -smp "$smp" \
		-icount shift=0 -display none -no-reboot -monitor none \
		-serial "file:$2" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-cdrom "$1" -boot d </dev/null >/dev/null 2>&1 || true
	sed -i 's/\r$//' "$2"
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
echo "SVM, QEMU TCG -cpu max -smp $smp -icount shift=0, N=$n (instructions per iteration):"
awk -v n="$n" -v mn="$m_nop" -v mc="$m_cpuid" -v mv="$m_vmm" -v bn="$b_nop" -v bc="$b_cpuid" \
	-v ma="$m_apic" -v ba="$b_apic" 'BEGIN {
	printf "  bare:  nop loop %.1f, cpuid loop %.1f\n", bn / n, bc / n
	printf "  modex: nop loop %.1f, cpuid loop %.1f, vmmcall loop %.1f\n", mn / n, mc / n, mv / n
	printf "  CPUID exit round trip:   %.1f instructions (modex cpuid loop - bare cpuid loop)\n", (mc - bc) / n
	printf "  VMMCALL exit round trip: %.1f instructions (modex vmmcall loop - bare cpuid loop)\n", (mv - bc) / n
	printf "  xAPIC store (emulated):  %.1f instructions (modex - bare xapic-store loop)\n", (ma - ba) / n
}'
tools/bench-report.sh "$out/modex.log" "$out/bare.log"

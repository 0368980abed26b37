#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# VMX exit round-trip benchmark (not a test): runs tests/bench/l1_bench.c
# under Modex and directly (baseline) on Bochs 3.0 Intel models. Bochs's
# TSC advances by one per instruction executed (a loop of 5 instructions
# reads 5 ticks per iteration), VMX transitions and Modex's code included,
# so the difference between the two runs is Modex's path length per exit.
# Prints instructions per CPUID and VMCALL exit round trip, the exits
# Modex counted during L1's boot, the boot path (Modex's first instruction
# to L1's) and instructions and L0 exits per IPI L1 sends to itself
# (xAPIC and x2APIC ICR).
#   tools/bench-vmx.sh [-smp CPUS] [N] [MODEL...]
#     default N=20000 (IPI loops: N/10 each); models broadwell_ult tigerlake;
#     CPUS: Bochs "cpu: count=" (default 1).
set -euo pipefail
# BIOS-only ISOs, as the boot tests use (tools/mkiso.sh).
export MODEX_ISO_FIRMWARE=${MODEX_ISO_FIRMWARE:-bios}

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export BOCHS_CPUS=1
if [ "${1:-}" = -smp ]; then
	BOCHS_CPUS=${2:?-smp needs a CPU count}
	shift 2
fi
n=${1:-20000}
shift || true
models=${*:-broadwell_ult tigerlake}
ipi=$((n / 10))
out=$BUILD/bench-vmx
mkdir -p "$out"
BOCHS=${BOCHS:-$(tools/bochs.sh)}
export BOCHS

make -s -j"$(nproc)" "$BUILD/modex.elf" guests >/dev/null # guests includes tests/bench/l1_bench.c


tools/mkiso.sh "$out/modex.iso" "$BUILD/modex.elf" "exit=bochs" "$BUILD/guest/l1_bench_mb2.elf" "n=$n ipi=$ipi" >/dev/null
tests/guest/mkiso-bare.sh "$out/bare.iso" "$BUILD/guest/l1_bench_mb2.elf" mb2 "n=$n ipi=$ipi exit=bochs" >/dev/null

val() { sed -n "s/.*bench: $2 n=[0-9]* tsc=\([0-9]*\).*/\1/p" "$1" | head -n1; }
for m in $models; do
	for k in modex bare; do
		tests/boot/run-bochs.sh "$m" "$out/$k.iso" "$out/$k-$m.log" 600 >/dev/null 2>&1 || true
		sed -i 's/\r$//' "$out/$k-$m.log"
	done
	m_cpuid=$(val "$out/modex-$m.log" cpuid) m_hc=$(val "$out/modex-$m.log" vmmcall)
	b_nop=$(val "$out/bare-$m.log" nop) b_cpuid=$(val "$out/bare-$m.log" cpuid)
	m_nop=$(val "$out/modex-$m.log" nop)
	for v in m_nop m_cpuid b_nop b_cpuid; do
		[ -n "${!v}" ] || { echo "bench: missing figure $v (logs in $out/)" >&2; exit 1; }
	done
	echo "VMX, Bochs $m with $BOCHS_CPUS CPU(s), N=$n (TSC ticks per iteration):"
	grep -h '\[modex\] vmx: EPT01' "$out/modex-$m.log" | sed 's/^\[modex\] vmx: /  /'
	# One tick per instruction with one CPU; with more, Bochs's TSC runs
	# faster (and not strictly in step): the 8-instruction NOP loop gives
	# an approximate scale.
	scale=1
	[ "$BOCHS_CPUS" = 1 ] ||
		scale=$(awk -v n="$n" -v bn="$b_nop" 'BEGIN { printf "%.6f", 8 * n / bn }')
	awk -v n="$n" -v mn="$m_nop" -v mc="$m_cpuid" -v mv="${m_hc:-}" -v bn="$b_nop" -v bc="$b_cpuid" -v s="$scale" 'BEGIN {
		printf "  bare:  nop loop %.1f, cpuid loop %.1f\n", bn / n, bc / n
		printf "  modex: nop loop %.1f, cpuid loop %.1f\n", mn / n, mc / n
		if (s != 1)
			printf "  (instructions below = ticks x %.4f, from the 8-instruction NOP loop: approximate)\n", s
		printf "  CPUID exit round trip:  %.1f instructions (modex cpuid loop - bare cpuid loop)\n", (mc - bc) * s / n
		if (mv != "")
			printf "  VMCALL exit round trip: %.1f instructions (modex hypercall loop - bare cpuid loop)\n", (mv - bc) * s / n
		else
			print "  VMCALL exit round trip: not measured (no hypercall loop line)"
	}'
	tools/bench-report.sh "$out/modex-$m.log" "$out/bare-$m.log" "$scale"
done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nested VMX benchmark (not a test): tests/bench/l1_nvmx_bench.c is a
# minimal L1 hypervisor whose L2 runs CPUID in a loop; L1 handles each
# exit (reads the exit fields through VMREAD, advances L2's RIP with
# VMWRITE, VMRESUME). It runs under Modex with VMCS shadowing on and off,
# and directly on Bochs (baseline). Bochs's TSC advances by one per
# instruction, VMX transitions and Modex's code included, so the
# difference per iteration is Modex's path length per L2 exit handled by
# L1. Prints, per CPU model: L0 exits per L2 exit (the architectural
# minimum is 2: the L2 exit and L1's VMRESUME), instructions per round
# trip in total and Modex's share, and EPT02 (shadow) faults per L2 page
# touched over L1's EPT12 2 MiB leaves, and per L2 fetch violation
# reflected to L1 (EPT12 denies the fetch) with MBEC off and on in vmcs12.
#   tools/bench-nvmx.sh [N] [MODEL...]   default N=20000; models
#   broadwell_ult tigerlake
set -euo pipefail
# BIOS-only ISOs, as the boot tests use (tools/mkiso.sh).
export MODEX_ISO_FIRMWARE=${MODEX_ISO_FIRMWARE:-bios}

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export BOCHS_CPUS=1
n=${1:-20000}
shift || true
models=${*:-broadwell_ult tigerlake}
touch=4096
out=$BUILD/bench-nvmx
mkdir -p "$out"
BOCHS=${BOCHS:-$(tools/bochs.sh)}
export BOCHS

make -s -j"$(nproc)" "$BUILD/modex.elf" guests >/dev/null
elf=$BUILD/guest/l1_nvmx_bench_mb2.elf
tools/mkiso.sh "$out/shadow.iso" "$BUILD/modex.elf" "exit=bochs" "$elf" \
	"n=$n touch=$touch" >/dev/null
tools/mkiso.sh "$out/noshadow.iso" "$BUILD/modex.elf" \
	"exit=bochs vmcs_shadow=off" "$elf" "n=$n touch=$touch" >/dev/null
tests/guest/mkiso-bare.sh "$out/bare.iso" "$elf" mb2 "n=$n exit=bochs" >/dev/null

# field LOG NAME KEY: the value of KEY= on the "bench: NAME" line
field() { sed -n "s/.*bench: $2 .*$3=\([0-9]*\).*/\1/p" "$1" | head -n1; }
for m in $models; do
	for k in shadow noshadow bare; do
		tests/boot/run-bochs.sh "$m" "$out/$k.iso" "$out/$k-$m.log" 600 \
			>/dev/null 2>&1 || true
		sed -i 's/\r$//' "$out/$k-$m.log"
	done
	bt=$(field "$out/bare-$m.log" l2-cpuid tsc)
	st=$(field "$out/shadow-$m.log" l2-cpuid tsc)
	se=$(field "$out/shadow-$m.log" l2-cpuid l0-exits)
	nt=$(field "$out/noshadow-$m.log" l2-cpuid tsc)
	ne=$(field "$out/noshadow-$m.log" l2-cpuid l0-exits)
	sf=$(field "$out/shadow-$m.log" l2-touch shadow-faults)
	bv=$(field "$out/bare-$m.log" l2-fetch-violation tsc)
	sv=$(field "$out/shadow-$m.log" l2-fetch-violation tsc)
	svx=$(field "$out/shadow-$m.log" l2-fetch-violation l0-exits)
	bvm=$(field "$out/bare-$m.log" l2-fetch-violation-mbec tsc)
	svm=$(field "$out/shadow-$m.log" l2-fetch-violation-mbec tsc)
	svmx=$(field "$out/shadow-$m.log" l2-fetch-violation-mbec l0-exits)
	for v in bt st se nt ne sf bv sv svx; do
		[ -n "${!v}" ] || {
			echo "bench: missing figure $v (logs in $out/)" >&2
			exit 1
		}
	done
	echo "Nested VMX, Bochs $m, N=$n L2 CPUID exits handled by L1:"
	grep -h '\[modex\] nvmx: nested VMX on' "$out/shadow-$m.log" |
		sed 's/^\[modex\] nvmx: /  /'
	awk -v n="$n" -v bt="$bt" -v st="$st" -v se="$se" -v nt="$nt" \
		-v ne="$ne" -v sf="$sf" -v touch="$touch" 'BEGIN {
		printf "  bare (L1 on the CPU):     %.0f instructions per round trip\n", bt / n
		printf "  under Modex, shadowing:   %.2f L0 exits, %.0f instructions per round trip, Modex %.0f\n", se / n, st / n, (st - bt) / n
		printf "  under Modex, no shadow:   %.2f L0 exits, %.0f instructions per round trip, Modex %.0f\n", ne / n, nt / n, (nt - bt) / n
		printf "  EPT02 faults: %d for %d L2 pages touched over 2 MiB EPT12 leaves (%.4f per page)\n", sf, touch, sf / touch
	}'
	awk -v n="$((n / 4))" -v bv="$bv" -v sv="$sv" -v sx="$svx" -v bm="$bvm" \
		-v sm="$svm" -v smx="$svmx" 'BEGIN {
		printf "  L2 fetch violation reflected to L1, MBEC off: %.2f L0 exits, %.0f instructions (bare %.0f), Modex %.0f\n", sx / n, sv / n, bv / n, (sv - bv) / n
		if (sm != "")
			printf "  L2 fetch violation reflected to L1, MBEC on:  %.2f L0 exits, %.0f instructions (bare %.0f), Modex %.0f\n", smx / n, sm / n, bm / n, (sm - bm) / n
		else
			print "  L2 fetch violation with MBEC: not measured (MBEC not advertised)"
	}'
done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The figures tools/bench-svm.sh and tools/bench-vmx.sh share, read from a
# run of tests/bench/l1_bench.c under Modex and one without (both logs
# stripped of CR): exits during L1's boot, the boot path length (from
# Modex's first instruction to L1's, the TSC counting instructions), and
# instructions and L0 exits per IPI. SCALE (default 1) converts TSC ticks
# to instructions where the TSC does not count one per instruction (Bochs
# with several CPUs): 8 / (bare NOP loop ticks per iteration).
#   tools/bench-report.sh MODEX_LOG BARE_LOG [SCALE]
set -euo pipefail
mlog=$1 blog=$2 scale=${3:-1}

grep -h 'bench: boot-exits' "$mlog" | sed 's/.*bench: /  L1 boot (first instruction to main): /'

# Modex: "starting L1 at ...; TSC <now>, <since> since Modex's entry."
# L1:    "bench: l1-entry tsc=<first instruction>".
start=$(sed -n "s/.*starting L1 at [0-9a-fx]*; TSC \([0-9]*\), \([0-9]*\) since Modex's entry.*/\1 \2/p" "$mlog" | head -n1)
l1=$(sed -n 's/.*bench: l1-entry tsc=\([0-9]*\).*/\1/p' "$mlog" | head -n1)
if [ -n "$start" ] && [ -n "$l1" ]; then
	set -- $start
	awk -v now="$1" -v since="$2" -v l1="$l1" -v s="$scale" 'BEGIN {
		printf "  boot path: %.0f instructions from Modex'"'"'s first instruction to L1'"'"'s (%.0f to the VMRUN/VMLAUNCH line)\n", (l1 - (now - since)) * s, since * s
	}'
else
	echo "  boot path: not measured (no 'starting L1 ... TSC' or 'l1-entry' line)"
fi

# "bench: ipi-<mode> n=N tsc=T dest=D lost=L exits=E intr=I msr=M npf=F"
ipi_field() { sed -n "s/.*bench: $2 .* $3=\([-0-9]*\).*/\1/p" "$1" | head -n1; }
for mode in ipi-xapic ipi-x2apic; do
	mt=$(sed -n "s/.*bench: $mode n=\([0-9]*\) tsc=\([0-9]*\).*/\1 \2/p" "$mlog" | head -n1)
	bt=$(sed -n "s/.*bench: $mode n=\([0-9]*\) tsc=\([0-9]*\).*/\1 \2/p" "$blog" | head -n1)
	if [ -z "$mt" ]; then
		why=$(sed -n "s/.*bench: $mode skipped: //p" "$mlog" | head -n1)
		echo "  $mode: not measured${why:+ ($why)}"
		continue
	fi
	set -- $mt
	awk -v n="$1" -v t="$2" -v bt="${bt#* }" -v e="$(ipi_field "$mlog" $mode exits)" \
		-v i="$(ipi_field "$mlog" $mode intr)" -v m="$(ipi_field "$mlog" $mode msr)" \
		-v f="$(ipi_field "$mlog" $mode npf)" -v l="$(ipi_field "$mlog" $mode lost)" \
		-v mode="$mode" -v s="$scale" 'BEGIN {
		t *= s
		bt = bt == "" ? "" : bt * s
		printf "  %s: %.1f instructions per IPI under Modex", mode, t / n
		add = (t - bt) / n
		if (add > -0.05 && add < 0.05)
			add = 0 # no "-0.0"
		if (bt != "")
			printf " (bare %.1f, Modex adds %.1f)", bt / n, add
		printf "; L0 exits per IPI %.2f (interrupt %.2f, MSR %.2f, NPF %.2f); %d of %d lost\n", e / n, i / n, m / n, f / n, l, n
	}'
done
grep -h '\[modex\] guest: exits:' "$mlog" | sed 's/^\[modex\] guest: /  whole run: /'

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot the test kernels directly on bare QEMU TCG (no Modex) and check their
# verdicts: l1_basic (mb1, mb2) must print "[l1] PASS" and exit through
# isa-debug-exit with MODEX_TEST_PASS (status 0x10 << 1 | 1 = 33);
# l1_triple must triple-fault (QEMU -no-reboot then exits with status 0).
# With -smp N, QEMU gets N CPUs and the cases are l1_basic's "smp=N" mode
# instead (l1_smp.c: every AP started, checked, sent IPIs, re-INITed).
# Prints one "PASS name" / "FAIL name" line per case.
#   tests/guest/run-bare.sh [-smp N] [GUEST_DIR]   (default build/guest)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
smp=
if [ "${1-}" = -smp ]; then
	smp=${2:?"-smp needs a CPU count"}
	shift 2
fi
gdir=${1:-${BUILD:-build}/guest}
out=${BUILD:-build}/guest/bare
mkdir -p "$out"
fails=0

qemu() { # qemu ISO LOG
	timeout 60 qemu-system-x86_64 -accel tcg -cpu max -m 256 \
		${smp:+-smp "$smp"} \
		-display none -no-reboot -monitor none -serial "file:$2" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-cdrom "$1" -boot d </dev/null >"$2.emu" 2>&1
}

case_run() { # case_run NAME ELF PROTO CMDLINE WANT_STATUS WANT_LINE
	local name=$1 iso=$out/$1.iso log=$out/$1.log st
	if ! tests/guest/mkiso-bare.sh "$iso" "$2" "$3" "$4"; then
		echo "FAIL $name (no ISO)"; fails=$((fails + 1)); return
	fi
	qemu "$iso" "$log"
	st=$?
	if [ "$st" = "$5" ] && grep -qF -- "$6" "$log" &&
		! grep -q '^\[l1\] FAIL' "$log"; then
		echo "PASS $name"
	else
		echo "FAIL $name (status $st, want $5; log $log)"
		grep -E '^\[l1\] (FAIL|check)' "$log" | sed 's/^/  /'
		fails=$((fails + 1))
	fi
}

if [ -n "$smp" ]; then
	for p in mb1 mb2; do
		case_run "l1_smp${smp}_$p" "$gdir/l1_basic_$p.elf" $p \
			"exit=qemu l1test smp=$smp" 33 "[l1] check smp-reinit: ok"
	done
	exit $((fails > 0))
fi
for p in mb1 mb2; do
	case_run "l1_basic_$p" "$gdir/l1_basic_$p.elf" $p "exit=qemu l1test" \
		33 "[l1] PASS"
	case_run "l1_triple_$p" "$gdir/l1_triple_$p.elf" $p "exit=qemu l1test" \
		0 "[l1] triple: loading a null IDT"
done
exit $((fails > 0))

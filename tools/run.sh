#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot Modex in QEMU with the serial console on this terminal.
#   tools/run.sh MODEX.elf [MODEX CMDLINE] [L1.elf [L1 CMDLINE]]
# Without an L1 it boots the demo L1 (build/guest/l1_demo_mb2.elf, command
# line "l1demo"; `make run` builds it); L1 "none" boots Modex alone.
# Exits 0 when the run passes, 1 when it fails (QEMU's isa-debug-exit
# status 33 and 35), else QEMU's own status.
# MODEX_BOCHS_CPU=MODEL boots on Bochs with that CPU model instead
# (tigerlake, broadwell_ult, ...; tests/boot/run-bochs.sh, Bochs from
# tools/bochs.sh) and prints the serial output when the run ends, within
# MODEX_RUN_TIMEOUT seconds (default 300); Modex's command line should
# then say exit=bochs. Exits 0 on "[modex] exit: pass", 1 on a failure.
# Uses KVM with -cpu host when /dev/kvm is usable, else TCG with -cpu max
# (QEMU's TCG emulates SVM+NPT, not VMX; "max" asks only for features TCG
# has, so QEMU prints no warnings, unlike a model such as EPYC).
set -uo pipefail

elf=$1 cmdline=${2-"exit=qemu"} l1=${3-} l1_cmdline=${4-}
if [ -z "$l1" ]; then
	l1=$(dirname "$elf")/guest/l1_demo_mb2.elf l1_cmdline=${4:-l1demo}
	if [ ! -f "$l1" ]; then
		echo "run: $l1 is missing; build it with 'make guests' or name an L1" >&2
		exit 2
	fi
fi
[ "$l1" = none ] && l1=
iso=$(dirname "$elf")/run.iso
"$(dirname "$0")/mkiso.sh" "$iso" "$elf" "$cmdline" ${l1:+"$l1" "$l1_cmdline"} || exit 2
if [ -n "${MODEX_BOCHS_CPU-}" ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	log=$(dirname "$elf")/run-$MODEX_BOCHS_CPU.log
	BOCHS=${BOCHS:-$("$top/tools/bochs.sh")} || exit 2
	export BOCHS
	echo "run: Modex on Bochs $MODEX_BOCHS_CPU; serial output (also in $log) when the run ends:"
	"$top/tests/boot/run-bochs.sh" "$MODEX_BOCHS_CPU" "$iso" "$log" \
		"${MODEX_RUN_TIMEOUT:-300}" >"$log.emu" 2>&1
	rc=$?
	[ -f "$log" ] && tr -d '\r' <"$log"
	[ $rc = 124 ] && echo "run: timed out after ${MODEX_RUN_TIMEOUT:-300} s (Bochs log: $log.bochs.log)"
	grep -q '^\[modex\] exit: pass' "$log" 2>/dev/null && exit 0
	exit 1
fi
# KVM only when the device is usable and this CPU has VMX or SVM itself.
# MODEX_ACCEL=tcg forces emulation (e.g. where KVM exists but cannot run
# this CPU model).
if [ "${MODEX_ACCEL-}" != tcg ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	grep -qwE 'vmx|svm' /proc/cpuinfo; then
	accel=(-accel kvm -cpu host)
else
	accel=(-accel tcg -cpu max)
fi
qemu-system-x86_64 "${accel[@]}" -m 512 -display none -no-reboot \
	-serial stdio -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -cdrom "$iso" -boot d
rc=$?
# isa-debug-exit ends QEMU with (code << 1) | 1: Modex's pass code 0x10
# gives 33 and its failure code 0x11 gives 35 (hv/exit.h).
case $rc in
33) exit 0 ;;
35) exit 1 ;;
*) exit "$rc" ;;
esac

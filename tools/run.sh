#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot Modex in QEMU with the serial console on this terminal.
#   tools/run.sh MODEX.elf [MODEX CMDLINE] [L1.elf [L1 CMDLINE]]
# Without an L1 it boots the L1 test kernel (build/guest/l1_basic_mb2.elf,
# command line "l1test"; `make run` builds it); L1 "none" boots Modex
# alone. Exits 0 when the run passes, 1 when it fails (QEMU's
# isa-debug-exit status 33 and 35), else QEMU's own status.
# Uses KVM with -cpu host when /dev/kvm is usable, else TCG with -cpu max
# (QEMU's TCG emulates SVM+NPT, not VMX; "max" asks only for features TCG
# has, so QEMU prints no warnings, unlike a model such as EPYC).
set -uo pipefail

elf=$1 cmdline=${2-"exit=qemu"} l1=${3-} l1_cmdline=${4-}
if [ -z "$l1" ]; then
	l1=$(dirname "$elf")/guest/l1_basic_mb2.elf l1_cmdline=${4:-l1test}
	if [ ! -f "$l1" ]; then
		echo "run: $l1 is missing; build it with 'make guests' or name an L1" >&2
		exit 2
	fi
fi
[ "$l1" = none ] && l1=
iso=$(dirname "$elf")/run.iso
"$(dirname "$0")/mkiso.sh" "$iso" "$elf" "$cmdline" ${l1:+"$l1" "$l1_cmdline"} || exit 2
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

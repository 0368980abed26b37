#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot Modex in QEMU with the serial console on this terminal.
#   tools/run.sh MODEX.elf [MODEX CMDLINE] [L1.elf [L1 CMDLINE]]
# Uses KVM with -cpu host when /dev/kvm is usable, else TCG with an AMD
# model (QEMU's TCG emulates SVM+NPT, not VMX).
set -euo pipefail

elf=$1 cmdline=${2-"exit=qemu"} l1=${3-} l1_cmdline=${4-}
iso=$(dirname "$elf")/run.iso
"$(dirname "$0")/mkiso.sh" "$iso" "$elf" "$cmdline" "$l1" "$l1_cmdline"
# KVM only when the device is usable and this CPU has VMX or SVM itself.
# MODEX_ACCEL=tcg forces emulation (e.g. where KVM exists but cannot run
# this CPU model).
if [ "${MODEX_ACCEL-}" != tcg ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	grep -qwE 'vmx|svm' /proc/cpuinfo; then
	accel=(-accel kvm -cpu host)
else
	accel=(-accel tcg -cpu EPYC)
fi
exec qemu-system-x86_64 "${accel[@]}" -m 512 -display none -no-reboot \
	-serial stdio -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -cdrom "$iso" -boot d

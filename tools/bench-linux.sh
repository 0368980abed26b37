#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Linux boot benchmark (not a test): Debian 12's kernel and the initramfs of
# tests/boot/linux_cases.sh, booted by GRUB under Modex and directly, on
# QEMU TCG with -icount shift=0,sleep=off. The TSC then counts virtual
# nanoseconds: one per instruction while a CPU runs, and idle time skipped
# to the next timer deadline, so each figure is deterministic. Prints, per
# run: the TSC when the init checker starts (reset to init), the kernel's
# own timestamp of "Run /init" (from its TSC setup to init), and under
# Modex the TSC at Modex's entry and at L1's first instruction and the
# exits Modex counted. docs/benchmarks.md "Linux boot" explains them.
# With KVM_N, the same kernel also loads kvm-amd and its init runs
# "kvmcheck bench" (tests/linux/kvmcheck.c): KVM_N L2 CPUIDs and KVM_N L2
# OUTs to user space, TSC ticks per round trip, under Modex twice (KVM_N/6
# and KVM_N, so that the difference of Modex's exit counts is L0 exits per
# L2 exit pair) and bare.
#   tools/bench-linux.sh [CPUS [KVM_N]]     (default 1 CPU, no KVM part)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
smp=${1:-1}
kvm_n=${2:-0}
out=$BUILD/bench
mkdir -p "$out"
make -s -j"$(nproc)" "$BUILD/modex.elf" >/dev/null
eval "$(tools/linux.sh)"
tests/linux/mkinitramfs.sh "$out/linux-initrd.gz" "$BUSYBOX" "$out/linux" \
	"$LINUX_MODULES"
cmd="console=ttyS0 earlyprintk=serial nokaslr iomem=relaxed panic=-1 linuxcheck.cpus=$smp"

# iso NAME "EXTRA KERNEL OPTIONS": the Modex and the bare ISO.
iso() {
	tools/mkiso.sh "$out/linux-modex$1.iso" "$BUILD/modex.elf" "exit=qemu" \
		"$LINUX_BZIMAGE" "$cmd $2" "$out/linux-initrd.gz" initrd >/dev/null
	tests/linux/mkiso-linux.sh "$out/linux-bare$1.iso" "$LINUX_BZIMAGE" \
		"$out/linux-initrd.gz" "$cmd $2 linuxcheck.bare" >/dev/null
}
iso "" ""

run() {
	local log=$out/linux-$1-smp$smp.log rc=0
	rm -f "$log"
	timeout 900 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp "$smp" \
		-icount shift=0,sleep=off -display none -no-reboot -monitor none \
		-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-cdrom "$out/linux-$1.iso" -boot d </dev/null || rc=$?
	sed -i 's/\r$//' "$log"
	[ $rc = 33 ] || echo "bench-linux: $1: QEMU exit status $rc (expected 33); see $log" >&2
	printf '%s, %s CPUs:\n' "$1" "$smp"
	grep -a 'kvmcheck: bench:' "$log" | sed 's/^/  /' || true
	sed -n 's/.*\[linuxcheck\] start: TSC \([0-9]*\);.*/  TSC at init (reset to init): \1/p' "$log"
	sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/  kernel clock at "Run \/init": \1 s/p' "$log"
	sed -n "s/.*starting L1 at 0x[0-9a-f]*; TSC \([0-9]*\), \([0-9]*\) since Modex's entry.*/  TSC at L1's first instruction: \1 (Modex's boot path: \2)/p" "$log"
	grep -a '^\[modex\] \(cpu[0-9]* \)\?guest: \(exits\|nested\):' "$log" | sed 's/^/  /' || true
}
run modex
run bare
if [ "$kvm_n" -gt 0 ]; then
	iso -kvm "linuxcheck.kvm linuxcheck.kvmbench=$kvm_n"
	run modex-kvm
	run bare-kvm
	iso -kvm "linuxcheck.kvm linuxcheck.kvmbench=$((kvm_n / 6))"
	run modex-kvm
fi

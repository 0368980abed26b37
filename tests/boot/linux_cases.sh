# SPDX-License-Identifier: MIT
# Boot cases of Linux as L1 (sourced by tests/boot/cases.sh): Debian 12's
# stock kernel (linux-image-amd64) and busybox-static, fetched once with
# apt-get by tools/linux.sh into ~/.cache/modex/linux, and an initramfs
# built here whose init checker (tests/linux/linuxcheck.c) checks its
# memory map, that Modex's memory is a gap it cannot reach (reads through
# /dev/mem see only the sink's 0xff), every CPU online, and Modex's CPUID
# leaf; then it loads kvm-amd or kvm-intel and runs an L2 through L1's KVM
# (tests/linux/kvmcheck.c: port I/O to user space both ways, an in-kernel
# CPUID loop, a memory slot made read-only (an MMIO exit on write), HLT),
# checking each exit's data, and writes its verdict to the test-exit port,
# which Modex turns into its own exit (docs/boot.md "Test exit").
#
# Under Modex on QEMU TCG (SVM, nested SVM for L1's KVM) with 2 CPUs and
# 1 GiB, and the same kernel, initrd and checks directly on QEMU (TCG's own
# nested SVM) as the reference. About 40 s each on an idle machine; the
# limit allows for a loaded one.
#
# Under Modex on Bochs tigerlake (VMX, nested VMX with EPT02 and MBEC
# advertised for L1's kvm-intel), 2 CPUs, 1 GiB: about 40-75 s. The KVM
# client runs on the highest-numbered CPU, so L2 runs on an AP (on QEMU
# too), which Modex's exit counts per vCPU show; then two KVM clients run
# at once on CPU 0 and CPU 1, one L2 on each CPU at the same time. There
# is no bare reference on Bochs: the kernel's verify_cpu reads IA32_MISC_ENABLE,
# which Bochs lacks (a triple fault before the IDT); under Modex L1 gets
# Modex's virtual one (docs/isolation.md). "mce=off": Bochs's CPUID offers
# MCA without IA32_MCG_STATUS, and Linux panics on the #GP ("MCA
# architectural violation"), bare as under Modex.

linux_selected=0
for n in linux-boot.qemu-2 linux-hidden-map.qemu-2 linux-bare.qemu-2; do
	selected "$n" qemu && linux_selected=1
done
selected linux-kvm.tigerlake-2 tigerlake && linux_selected=1

linux_cmdline="console=ttyS0 earlyprintk=serial nokaslr iomem=relaxed panic=-1 linuxcheck.kvm"
linux_checks=(
	'+\[linuxcheck\] check memmap: ok' '+\[linuxcheck\] check cpus: ok - 2 online'
	'+kvmcheck: exit 5: mmio addr 0x20000 len 1 write 1 data 0x99'
	'+kvmcheck: exit 8: hlt' '+kvmcheck: PASS' '+\[linuxcheck\] check kvm: ok'
	'+\[linuxcheck\] check kvm-smp: ok'
	'-\[linuxcheck\] (FAIL|check [a-z]+: FAIL|insmod)' '-kvmcheck: FAIL'
	'-Kernel panic|BUG: |Oops'
)
# Under Modex with 2 CPUs: Modex's loader, the L2 on both vCPUs (the
# checker pins its KVM clients), a clean end through the test-exit port.
linux_modex_checks=(
	'+\[modex\] guest: L1 module: Linux bzImage, boot protocol 2\.[0-9]+, kernel at 0x'
	'+\[modex\] guest: Linux boot_params at 0x[0-9a-f]+ from [0-9]+ memory map regions, initrd \[0x'
	'+\[linuxcheck\] check hidden: ok - [0-9]+ pages after the top of RAM, 0 not all 0xff'
	'+\[linuxcheck\] check hvleaf: ok - 2 of 2 CPUs'
	'+\[linuxcheck\] result: 6 checks, 0 failed'
	'+\[modex\] guest: exits: .* virt-insn [0-9]{3,}'
	'+\[modex\] cpu1 guest: exits: .* virt-insn [0-9]{3,}'
	'+\[modex\] guest: nested: [0-9]+ hardware exits, [0-9]+ L2 entries, [0-9]+ L2 exits reflected to L1'
	'+\[modex\] (cpu[0-9]+ )?guest: L1 wrote 0x10 to the test-exit port 0xf4\.'
	'+\[modex\] (cpu[0-9]+ )?guest: L1 ended the run with test code 0x10 \(pass\)\.'
	'+\[modex\] (cpu[0-9]+ )?guest: Modex intact'
	'-\[modex\] .*(warning|error|unhandled|FATAL|PANIC)'
)
# The L2's CPUID leaf 0 EBX, sent out through port 0x11: "Auth", "Genu".
linux_amd=('+kvmcheck: exit 2: io out port 0x11 size 4 count 1 data 0x68747541')
linux_intel=('+kvmcheck: exit 2: io out port 0x11 size 4 count 1 data 0x756e6547')

if [ $linux_selected = 1 ]; then
	linux_env=$(tools/linux.sh 2>"$out/linux-fetch.log") && eval "$linux_env" &&
		tests/linux/mkinitramfs.sh "$out/linux-initrd.gz" "$BUSYBOX" \
			"$out/linux" "$LINUX_MODULES" >>"$out/linux-fetch.log" 2>&1 || {
		tail -n 20 "$out/linux-fetch.log"
		rec FAIL linux.setup "could not fetch Debian's kernel and busybox or build the initramfs (see $out/linux-fetch.log)"
		linux_selected=0
	}
fi

if [ $linux_selected = 1 ]; then
	L1_MODS=("$out/linux-initrd.gz" initrd)
	L1=$LINUX_BZIMAGE L1_CMDLINE="$linux_cmdline linuxcheck.cpus=2" \
		SMP=2 HOST_MEM=1024 BOOT_TIMEOUT=300 boot_case linux-boot.qemu-2 qemu "" pass \
		"${linux_checks[@]}" "${linux_amd[@]}" \
		"${linux_modex_checks[@]}"
	L1_MODS=()

	# The gap the kernel sees after its RAM is exactly Modex's memory.
	log=$out/linux-boot.qemu-2.log
	if selected linux-hidden-map.qemu-2 qemu; then
		range=$(sed -n "s/.*Modex's memory (image and pool) is \[\(0x[0-9a-f]*\), \(0x[0-9a-f]*\)).*/\1-\2/p" "$log" 2>/dev/null | head -n 1)
		if [ -n "$range" ]; then
			verdict linux-hidden-map.qemu-2 "$log" -- \
				"+\\[linuxcheck\\] hidden gap $range "
		else
			verdict linux-hidden-map.qemu-2 "$log" \
				"Modex's memory range is not in the log" --
		fi
	fi

	# The reference: the same kernel, initrd and checks without Modex.
	if selected linux-bare.qemu-2 qemu; then
		iso=$out/linux-bare.qemu-2.iso log=$out/linux-bare.qemu-2.log
		rm -f "$log"
		if tests/linux/mkiso-linux.sh "$iso" "$LINUX_BZIMAGE" "$out/linux-initrd.gz" \
			"$linux_cmdline linuxcheck.cpus=2 linuxcheck.bare" >/dev/null 2>&1; then
			SMP=2 HOST_MEM=1024 BOOT_TIMEOUT=300 run_host qemu "$iso" "$log"
			rc=$?
			touch "$log"
			sed -i 's/\r$//' "$log"
			problems=()
			[ $rc = 33 ] || problems+=("QEMU exit status $rc, expected 33 (pass)")
			verdict linux-bare.qemu-2 "$log" "${problems[@]}" -- \
				"${linux_checks[@]}" "${linux_amd[@]}" \
				'+\[linuxcheck\] result: 4 checks, 0 failed' \
				'-\[modex\]'
		else
			rec FAIL linux-bare.qemu-2 "could not build the ISO"
		fi
	fi

	# kvm-intel as L1 on Modex's nested VMX (Bochs tigerlake, 2 CPUs).
	L1_MODS=("$out/linux-initrd.gz" initrd)
	L1=$LINUX_BZIMAGE L1_CMDLINE="$linux_cmdline mce=off linuxcheck.cpus=2" \
		SMP=2 HOST_MEM=1024 BOOT_TIMEOUT=400 boot_case linux-kvm.tigerlake-2 tigerlake "" pass \
		'+\[modex\] msr: the CPU has no IA32_MISC_ENABLE \(an emulator\); L1 gets a virtual one\.' \
		'+\[modex\] nvmx: nested VMX on: .*MBEC on' \
		"${linux_checks[@]}" "${linux_intel[@]}" \
		"${linux_modex_checks[@]}"
	L1_MODS=()
fi

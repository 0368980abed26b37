#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot cases of the L1 test hypervisor (tests/guest/l1_vmx.c) under Modex:
# Modex emulates VMX for it (nested VMX, docs/nested.md), with VMCS
# shadowing on (Modex's default where the CPU has it) and off, and its
# randomized vmcs12 group. Sourced by tests/boot/cases.sh, whose boot_case,
# l1_dir, vmx_common, vmx_l1_checks and vmx_l1_random_checks (the checks of
# the bare cases bare-vmx.* and bare-vmx-random.*, which prove the test
# kernel on Bochs's own VMX) it uses.
NVMX_SHADOW_OFF=${NVMX_SHADOW_OFF:-vmcs_shadow=off}
# The checks of the bare cases, and the hostile group, which aims L1's VMX
# structures at Modex's memory (it skips bare), with Modex's own integrity
# check at the end.
nvmx_checks=("${vmx_l1_checks[@]}"
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
	'+\[l1\] check hostile-pointers: ok' '+\[l1\] check hostile-controls: ok'
	'+\[l1\] check hostile-ept-root: ok' '+\[l1\] check hostile-ept-hole: ok'
	'+\[modex\] guest: Modex intact: 4 canaries and its code and read-only data unchanged\.')
# Execute-only EPT entries not advertised (nested_exec_only=off): the same
# EPT12 and MBEC permission sets, where an execute-only (or XU-only) entry
# is now an EPT misconfiguration (SDM Vol. 3C 29.3.3.1).
L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx tests=ept,mbec" boot_case \
	nvmx-noxonly.tigerlake tigerlake "nested_exec_only=off" pass \
	"${vmx_common[@]}" '+EPT_VPID_CAP 0x[0-9a-f]*[02468ace] ' \
	'+\[l1\] check ept-4k: ok' '+\[l1\] check ept-2m: ok' \
	'+\[l1\] check mbec-4k: ok' '+\[l1\] check mbec-2m: ok' \
	'+^\[l1\] result: [0-9]+ checks, 0 failed' \
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
# With two CPUs under Modex (the AP holds its own nested state, waiting
# for a SIPI L1 never sends): nested VMX on the boot CPU is unchanged.
SMP=2 L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx tests=exits,ept,mbec" \
	boot_case nvmx-smp.tigerlake-2 tigerlake "" pass "${vmx_common[@]}" \
	'+\[l1\] check exits-cpuid: ok' '+\[l1\] check ept-4k: ok' \
	'+\[l1\] check mbec-4k: ok' '+^\[l1\] result: [0-9]+ checks, 0 failed' \
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
nvmx_on='^\[modex\] nvmx: nested VMX on: VMCS revision 0x[0-9a-f]+, .*, VMCS shadowing'
for h in broadwell_ult tigerlake; do
	L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx" boot_case "nvmx.$h" "$h" "" \
		pass "${vmx_common[@]}" "${nvmx_checks[@]}" "+$nvmx_on on\."
	L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx" boot_case "nvmx-noshadow.$h" \
		"$h" "$NVMX_SHADOW_OFF" pass "${vmx_common[@]}" "${nvmx_checks[@]}" \
		"+$nvmx_on off \(vmcs_shadow=off\)\."
	# Bochs's "error" events unlogged, as for bare-vmx-random (run-bochs.sh).
	BOCHS_ERROR_ACTION=ignore L1=$l1_dir/l1_vmx_mb2.elf \
		L1_CMDLINE="l1vmx tests=random" boot_case \
		"nvmx-random.$h" "$h" "" pass "${vmx_common[@]}" \
		"${vmx_l1_random_checks[@]}" \
		'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
done
# Group "vmentry" under Modex: every entry answered as the SDM requires (or
# as docs/nested.md documents Modex to be stricter), Modex alive after.
for h in broadwell_ult tigerlake; do
	BOCHS_ERROR_ACTION=ignore L1=$l1_dir/l1_vmx_mb2.elf \
		L1_CMDLINE="l1vmx tests=vmentry" boot_case \
		"nvmx-vmentry.$h" "$h" "" pass "${vmx_common[@]}" \
		"${vmx_vmentry_checks[@]}" \
		'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.' \
		'+\[modex\] guest: Modex intact'
done

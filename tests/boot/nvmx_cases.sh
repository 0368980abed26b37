#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot cases of the L1 test hypervisor (tests/guest/l1_vmx.c) under Modex:
# Modex emulates VMX for it (nested VMX, docs/nested.md), with VMCS
# shadowing on (Modex's default where the CPU has it) and off. Sourced by
# tests/boot/cases.sh, whose boot_case, l1_dir, vmx_common and
# vmx_l1_checks (the checks of the bare cases bare-vmx.*) it uses.
NVMX_SHADOW_OFF=${NVMX_SHADOW_OFF:-vmcs_shadow=off}
nvmx_checks=(
	"${vmx_l1_checks[@]}"
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
)
nvmx_on='^\[modex\] nvmx: nested VMX on: VMCS revision 0x[0-9a-f]+, .*, VMCS shadowing'
for h in broadwell_ult tigerlake; do
	L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx" boot_case "nvmx.$h" "$h" "" \
		pass "${vmx_common[@]}" "${nvmx_checks[@]}" "+$nvmx_on on\."
	L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx" boot_case "nvmx-noshadow.$h" \
		"$h" "$NVMX_SHADOW_OFF" pass "${vmx_common[@]}" "${nvmx_checks[@]}" \
		"+$nvmx_on off \(vmcs_shadow=off\)\."
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

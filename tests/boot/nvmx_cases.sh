#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot cases of the L1 test hypervisor (tests/guest/l1_vmx.c) UNDER Modex:
# Modex emulates VMX for it (nested VMX, issue 10). They fail until Modex
# has nested VMX, so tests/boot/cases.sh does not source this file yet; to
# enable them, add at the end of cases.sh:
#   . tests/boot/nvmx_cases.sh
# It uses cases.sh's boot_case, l1_dir, vmx_common, vmx_l1_checks and
# vmx_l1_random_checks (the same checks as the bare cases bare-vmx.* and
# bare-vmx-random.*, which prove the test kernel on Bochs's own VMX).
# NVMX_SHADOW_OFF is the Modex command-line option that turns VMCS
# shadowing off (set it to the option's real name); the cases run with
# shadowing on (Modex's default) and off.
NVMX_SHADOW_OFF=${NVMX_SHADOW_OFF:-nvmx-shadow=off}
nvmx_checks=(
	"${vmx_l1_checks[@]}"
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
)
for h in broadwell_ult tigerlake; do
	L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx" boot_case "nvmx.$h" "$h" "" \
		pass "${vmx_common[@]}" "${nvmx_checks[@]}"
	L1=$l1_dir/l1_vmx_mb2.elf L1_CMDLINE="l1vmx" boot_case "nvmx-noshadow.$h" \
		"$h" "$NVMX_SHADOW_OFF" pass "${vmx_common[@]}" "${nvmx_checks[@]}"
	# Bochs's "error" events unlogged, as for bare-vmx-random (run-bochs.sh).
	BOCHS_ERROR_ACTION=ignore L1=$l1_dir/l1_vmx_mb2.elf \
		L1_CMDLINE="l1vmx tests=random" boot_case \
		"nvmx-random.$h" "$h" "" pass "${vmx_common[@]}" \
		"${vmx_l1_random_checks[@]}" \
		'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
done

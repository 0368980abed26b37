#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The SVM L1 test hypervisor (tests/guest/l1_svm.c) under Modex: Modex
# emulates SVM for it (nested SVM, docs/nested.md "Nested SVM"). The test
# hypervisor allows for its emulators' deviations only bare (under Modex it
# cannot tell the emulator), and two of them act through Modex, which runs
# L2 on the emulator's own SVM:
#  - QEMU 7.2 TCG ignores the #BP intercept for INT3 (exits-exceptions,
#    "#BP at CPL 0" and "#BP at CPL 3");
#  - Bochs 3.0 keeps an interrupt pending while L2's IF is 0 despite
#    V_INTR_MASKING (exits-intr, "INTR, L2 IF=0").
# These cases require every other group to pass and exactly those checks
# to fail; once the test hypervisor recognises the emulator under Modex,
# its tests/boot/nsvm_cases.sh (verdict pass) replaces them. Sourced by
# tests/boot/cases.sh after the bare SVM cases (boot_case, l1_dir,
# svm_common).
nsvm_groups=(svm-setup insn-svme-off svme insn-cpl3 insn-rax insn-skinit
	insn-hsave insn-gif insn-vmload-vmsave vmrun-invalid vmrun-valid
	exits-cpuid exits-hlt exits-ioio exits-msr exits-cr exits-exceptions
	exits-pf exits-intr exits-npf exits-vmmcall exits-shutdown)
nsvm_on='+\[modex\] nsvm: nested SVM on: revision 1, 64 ASIDs, features 0x69'
# nsvm_emul_case HOST FAILING-GROUP "RESULT LINE" FAIL-PATTERN...
nsvm_emul_case() {
	local host=$1 bad=$2 result=$3 checks=() g
	shift 3
	for g in "${nsvm_groups[@]}"; do
		if [ "$g" = "$bad" ]; then
			checks+=("+\\[l1\\] check $g: FAIL")
		else
			checks+=("+\\[l1\\] check $g: ok")
		fi
	done
	for g in "$@"; do
		checks+=("+\\[l1\\] FAIL: .*: $g")
	done
	L1=$l1_dir/l1_svm_mb2.elf L1_CMDLINE="l1svm" boot_case "nsvm.$host" \
		"$host" "" fail "${svm_common[@]}" "$nsvm_on" \
		'+\[l1\] running under Modex' "+\\[l1\\] result: $result" \
		'-\[l1\] aborted' '-\[modex\] guest: L1 triple fault' \
		'+\[modex\] guest: nested: [0-9]+ hardware exits, [0-9]+ L2 entries' \
		"${checks[@]}"
}
nsvm_emul_case qemu exits-exceptions '[0-9]+ checks, 2 failed' \
	'#BP at CPL 0: EXITCODE 0x81' '#BP at CPL 3: EXITCODE 0x81'
nsvm_emul_case ryzen exits-intr '[0-9]+ checks, 1 failed' \
	'INTR, L2 IF=0: EXITCODE 0x81'

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot cases of the SVM L1 test hypervisor (tests/guest/l1_svm.c) under
# Modex: Modex emulates SVM for it (nested SVM) on QEMU TCG (no NRIPS:
# Modex decodes lengths) and Bochs ryzen (NRIPS). Sourced by
# tests/boot/cases.sh after its bare SVM cases, whose boot_case, l1_dir,
# svm_common and svm_l1_checks it uses.
nsvm_checks=(
	"${svm_l1_checks[@]}"
	'+\[l1\] running under Modex'
	'+\[modex\] nsvm: nested SVM on: revision 1'
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
	'+\[modex\] guest: Modex intact: 4 canaries and its code and read-only data unchanged\.'
)
# nsvm-random.*: the randomized-VMCB group alone at the size
# (100,000 VMRUNs of mutated VMCB12s, fixed seed); the default run has
# 20,000 of them.
for h in qemu ryzen; do
	L1=$l1_dir/l1_svm_mb2.elf L1_CMDLINE="l1svm" boot_case "nsvm.$h" "$h" "" \
		pass "${svm_common[@]}" "${nsvm_checks[@]}"
	L1=$l1_dir/l1_svm_mb2.elf L1_CMDLINE="l1svm tests=random random=100000" \
		boot_case "nsvm-random.$h" "$h" "" pass "${svm_common[@]}" \
		'+\[l1\] check random-vmcb: ok' '+\[l1\] PASS' \
		'+\[l1\]   100000 rounds from seed [0-9]+: [0-9]+ VMEXIT_INVALID, [0-9]+ entered, 0 wrong' \
		'-\[l1\] (FAIL|check [a-z0-9-]+: FAIL|aborted)' \
		'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
done

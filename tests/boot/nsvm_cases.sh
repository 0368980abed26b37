#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot cases of the SVM L1 test hypervisor (tests/guest/l1_svm.c) under
# Modex: Modex emulates SVM for it (nested SVM) on QEMU TCG (no NRIPS:
# Modex decodes lengths) and Bochs ryzen (NRIPS). Meant to be sourced by
# tests/boot/cases.sh after its bare SVM cases, whose boot_case, l1_dir,
# svm_common and svm_l1_checks it uses.
nsvm_checks=(
	"${svm_l1_checks[@]}"
	'+\[l1\] running under Modex'
	'+\[modex\] guest: L1 ended the run with test code 0x10 \(pass\)\.'
)
for h in qemu ryzen; do
	L1=$l1_dir/l1_svm_mb2.elf L1_CMDLINE="l1svm" boot_case "nsvm.$h" "$h" "" \
		pass "${svm_common[@]}" "${nsvm_checks[@]}"
done

// SPDX-License-Identifier: MIT
/* Picking the vendor backend at boot (hv/vendor.h). */
#include "hv/vendor.h"

#define LOG_PREFIX "hv"
#include "hv/log.h"

const struct vendor_ops *vendor;

const struct vendor_ops *vendor_select(const struct cpu_features *f)
{
	const struct vendor_ops *ops = NULL;

	/* A CPU has one of the two (an emulator may claim both: SVM on an
	 * AMD vendor string, else VMX). */
	if (f->svm && (f->vendor == VENDOR_AMD || !f->vmx))
		ops = &svm_ops;
	else if (f->vmx)
		ops = &vmx_ops;
	if (!ops) {
		log_err("the CPU has neither VMX nor SVM.");
		return NULL;
	}
	if (ops->probe(f))
		return NULL;
	log_info("virtualization backend: %s.", ops->name);
	return ops;
}

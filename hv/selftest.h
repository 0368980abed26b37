/* SPDX-License-Identifier: MIT */
/*
 * Boot-time fault injection for the boot tests (option test=<words>,
 * parsed into hv_options.test_flags by hv/cmdline.c):
 * each word deliberately breaks something so a test can check that Modex
 * reports it instead of hanging or triple-faulting.
 *   ud            execute UD2 in Modex (expects the #UD report)
 *   stack-overflow recurse into the boot stack's guard page (expects #DF
 *                 reported from its IST stack)
 *   guard-write   write to a stack guard page (expects #PF, CR2 = address)
 *   panic         call panic() (expects the panic report)
 */
#ifndef MODEX_HV_SELFTEST_H
#define MODEX_HV_SELFTEST_H

struct hv_options;

void selftest_run(const struct hv_options *o);

#endif /* MODEX_HV_SELFTEST_H */

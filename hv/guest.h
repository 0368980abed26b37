/* SPDX-License-Identifier: MIT */
/*
 * Running L1: the vendor-neutral boot flow (pick and enable the backend,
 * reserve Modex's memory pool, compute L1's RAM, load the L1 module, build
 * NPT01/EPT01 with Modex's memory hidden, start the vCPU), the nested
 * paging faults that belong to that layout, and the hypercall environment.
 * docs/isolation.md describes what L1 sees of Modex's memory.
 */
#ifndef MODEX_HV_GUEST_H
#define MODEX_HV_GUEST_H

#include "hv/hypercall.h"
#include "hv/include/compiler.h"
#include "hv/multiboot2.h"
#include "hv/vcpu.h"

/* Modex's own frame pool: stage-2 tables, the sink page, later nested
 * state. Hidden from L1 like the image. */
#define GUEST_POOL_SIZE (16ULL << 20)

/* The canary planted in Modex memory; L1 test kernels search for it. */
#define MODEX_CANARY_PREFIX "MODEX-CANARY-"

/*
 * Run the L1 module described by @info (its first module). Returns only
 * if there is no module (the caller goes on without a guest); every other
 * outcome ends the run through hv_exit().
 */
void guest_start(const struct mb2_info *info);

/* The hypercall environment (L1's RAM, statistics, test exit). */
const struct hc_env *guest_hc_env(void);
/* A nested-paging fault (v->exit.reason == EXIT_R_NPF). */
void guest_handle_npf(struct vcpu *v);
/* One "[modex] guest: exits: ..." line with the counts per reason. */
void guest_report_stats(void);

#endif /* MODEX_HV_GUEST_H */

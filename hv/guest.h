/* SPDX-License-Identifier: MIT */
/*
 * Running L1: the vendor-neutral boot flow (pick and enable the backend,
 * compute L1's RAM = the memory map minus Modex's image and pool
 * (hv/memory.c), load the L1 module, build NPT01/EPT01 with Modex's memory
 * hidden, start the vCPU), the nested
 * paging faults that belong to that layout, and the hypercall environment.
 * docs/isolation.md describes what L1 sees of Modex's memory.
 */
#ifndef MODEX_HV_GUEST_H
#define MODEX_HV_GUEST_H

#include "hv/hypercall.h"
#include "hv/include/compiler.h"
#include "hv/multiboot2.h"
#include "hv/mtrr.h"
#include "hv/vcpu.h"
#include "mm/access.h"
#include "mm/pt_mem.h"

/* The canary planted in Modex memory; L1 test kernels search for it. */
#define MODEX_CANARY_PREFIX "MODEX-CANARY-"

/*
 * Run the L1 module described by @info (its first module). Returns only
 * if there is no module (the caller goes on without a guest); every other
 * outcome ends the run through hv_exit().
 */
void guest_start(const struct mb2_info *info);

/*
 * Where stage 2 sends L1 physical address @gpa, without walking it: @gpa
 * itself for L1's RAM, or the sink page for Modex memory. False anywhere
 * else (holes, devices, above the top of RAM: Modex must not read them on
 * L1's behalf). For emulation paths that read L1 memory (instruction
 * bytes, page tables).
 */
bool guest_gpa_to_hpa(gpa_t gpa, hpa_t *hpa);

/* Whether [@gpa, @gpa+@len) is all L1's RAM (never Modex's memory, never
 * a hole or device): the memory Modex may read and write for L1. */
bool guest_l1_ram(gpa_t gpa, u64 len);

/* L1's memory as the page-table walker reads it (read only), by L1
 * physical address: what L1's own accesses there would see (the sink for
 * Modex's memory), -E_FAULT above the top of RAM. For walking L1's
 * tables (its paging, EPT12/NPT12). */
const struct pt_mem *guest_l1_pt_mem(void);

/*
 * Stage 2's translation of the page at L1 physical address @gpa: the
 * host page, its access bits, the leaf's memory-type bits (EPT MT/IPAT,
 * NPT PWT/PCD/PAT) and the leaf's size; -E_FAULT where nothing is mapped.
 * For nested paging, which builds L2's tables on top of it.
 */
int guest_stage2_lookup(gpa_t gpa, hpa_t *hpa, acc_t *acc, u64 *attr,
			u64 *size);

/* Modex's memory as L1 must never reach it (@n ranges). */
const struct mem_range *guest_hidden(u32 *n);

/*
 * Stage 2 for one 4 KiB page at @gpa: map it to the physical local APIC
 * page (uncacheable, never executable, read-only unless @writable), or
 * give it back its default (identity; the sink for Modex memory). The
 * caller flushes L1's TLB. 0 or a negative error (table allocation).
 */
int guest_stage2_map_apic(gpa_t gpa, bool writable);
int guest_stage2_restore(gpa_t gpa);

/*
 * Before stage 2 is built: L1's 4 KiB page at @gpa (outside Modex's
 * memory) shows the page of L1's RAM at @hpa instead, with @gpa's memory
 * type, through every later change of stage 2. 0, -E_TOOBIG (too many),
 * -E_INVAL (unaligned, or Modex's memory).
 */
int guest_stage2_alias(gpa_t gpa, hpa_t hpa);

/*
 * Write tracking, for caches of L1 memory (nested SVM's permission maps):
 * guest_stage2_track() makes the page at @gpa of L1's RAM read-only in
 * stage 2 until something writes it (the caller flushes nothing: stage 2
 * changed, every vCPU flushes before its next entry); guest_track_gen()
 * moves at every write to a tracked page, so a cache taken at an older
 * count is stale (read it after tracking the pages, before copying them).
 * Modex's own writes into L1's RAM on L1's behalf call guest_l1_wrote().
 */
int guest_stage2_track(gpa_t gpa);
u64 guest_track_gen(void);
void guest_l1_wrote(gpa_t gpa, u64 len);

/* Before each entry: flush this CPU's translations if another CPU
 * changed stage 2 since (stage 2 is shared by every vCPU). */
void guest_stage2_sync(struct vcpu *v);

/* The hypercall environment (L1's RAM, statistics, test exit). */
const struct hc_env *guest_hc_env(void);
/* A nested-paging fault (v->exit.reason == EXIT_R_NPF). */
void guest_handle_npf(struct vcpu *v);
/*
 * Re-encode the stage-2 memory types of L1's memory from the MTRRs @s
 * (L1's BSP's, hv/msr.c) and flush L1's cached translations. A failure
 * (no pool memory for a split) stops L1 through guest_fatal().
 */
void guest_stage2_retype(struct vcpu *v, const struct mtrr_state *s);
/* One "[modex] guest: exits: ..." line with the counts per reason. */
void guest_report_stats(void);

#endif /* MODEX_HV_GUEST_H */

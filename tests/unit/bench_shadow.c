// SPDX-License-Identifier: MIT
/*
 * Benchmark of the shadow stage-2 tables (not a test): an L2 touching
 * every 4 KiB page of 1 GiB once, with L1's EPT12 mapping it by 4 KiB,
 * 2 MiB or 1 GiB leaves over L0 stage 2s of 1 GiB, 2 MiB or 4 KiB pages.
 * Reports shadow faults per page touched, shadow table pages per GiB of
 * L2 memory, and the host time per fault. Built by `make bench-shadow`
 * without sanitizers at -O2.
 */
#include <stdio.h>
#include <time.h>

#include "hv/include/err.h"
#include "mm/pt_build.h"
#include "nested/shadow.h"
#include "tests/unit/support/mm_fake_mem.h"

#define L1_PAGES 1024 /* L1 RAM holding EPT12: 4 MiB */
#define SH_BASE 0x10000000000ULL
#define SH_PAGES 1024
#define L1_MEM_BASE SZ_1G /* where EPT12 maps L2's GiB in L1 memory */
#define HPA_OFF 0x100000000ULL

struct l0 {
	u64 size;
	acc_t acc;
};

static int l0_lookup(void *ctx, u64 gpa, u64 *hpa, acc_t *acc, u64 *attr,
		     u64 *size)
{
	const struct l0 *l = ctx;

	*hpa = (gpa & PAGE_MASK) + HPA_OFF;
	*acc = l->acc;
	*attr = PT_ATTR_EPT_WB;
	*size = l->size;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *size_str(u64 size)
{
	return size == SZ_1G ? "1 GiB" : size == SZ_2M ? "2 MiB" : "4 KiB";
}

struct run {
	u64 l1_leaf, l0_size;
	bool ad; /* EPT12 with accessed/dirty flags */
	bool write_after_read; /* touch each page by a read, then a write */
};

/* An L2 access: a hit if the shadow grants it, else a shadow fault. */
struct l2 {
	struct shadow_cache *c;
	const struct shadow_role *role;
	const struct perm_table *perm; /* the shadow's (reads and writes) */
	u64 l1_root, sroot;
	unsigned long faults;
	double fault_time; /* seconds inside shadow_fault() */
};

static bool touch(struct l2 *v, u64 a, unsigned kind)
{
	struct shadow_fault f;
	struct pt_walk w;
	double t0;
	int r;

	if (pt_walk(&v->role->s_fmt, v->c->env.shadow_mem, v->sroot, a, kind,
		    v->perm, 0, &w) == PTW_OK)
		return true;
	v->faults++;
	t0 = now();
	r = shadow_fault(v->c, v->l1_root, v->role, a, kind, &f);
	v->fault_time += now() - t0;
	if (r != SH_FIXED)
		return false;
	v->sroot = f.root;
	return true;
}

static void bench(const struct run *r)
{
	struct fmem l1, sh;
	struct pt_mem l1m, shm;
	struct pt_format ef, lf;
	struct pt ept12;
	struct l0 l0 = { r->l0_size, ACC_RWX_BOTH };
	struct shadow_env env;
	static struct shadow_cache c;
	struct shadow_role role;
	struct perm_table sp;
	struct mmu_role mr;
	unsigned long pages = SZ_1G / SZ_4K;
	struct l2 v = { &c, &role, &sp, 0, 0, 0, 0 };
	bool ok = true;

	fmem_init(&l1, 0, L1_PAGES, 1);
	fmem_init(&sh, SH_BASE, SH_PAGES, 0);
	l1m = fmem_pt_mem(&l1);
	shm = fmem_pt_mem(&sh);
	pt_format_init(&ef, PT_EPT, 46, PTF_1G | PTF_MBEC);
	pt_format_init(&lf, PT_EPT, 46, PTF_1G | (r->ad ? PTF_AD : 0));
	/* EPT12: L2 [0, 1 GiB) -> L1 [1 GiB, 2 GiB), built in L1 memory. */
	if (pt_init(&ept12, &lf, &l1m) ||
	    pt_map(&ept12, 0, L1_MEM_BASE, SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB,
		   PTM_NO_MERGE | (r->l1_leaf == SZ_4K ? PTM_MAX_4K :
				   r->l1_leaf == SZ_2M ? PTM_MAX_2M :
							 0))) {
		printf("cannot build EPT12\n");
		return;
	}
	env = (struct shadow_env){ &l1m, l0_lookup, &l0, &shm, SH_PAGES };
	shadow_cache_init(&c, &env);
	shadow_role_init(&role, &lf, &ef);
	mmu_role_init(&mr, &ef, false, false, false);
	perm_init(&sp, &mr);
	v.l1_root = ept12.root;
	v.sroot = shadow_root(&c, ept12.root, &role);
	for (u64 a = 0; a < SZ_1G && ok; a += SZ_4K) {
		ok = touch(&v, a, PK_READ);
		if (ok && r->write_after_read)
			ok = touch(&v, a, PK_WRITE);
	}
	printf("L1 %s leaves%s, L0 %s pages: %lu pages touched%s, %lu shadow faults (%.4f per page), %u shadow table pages per GiB (%.1f KiB), %.0f ns per fault%s\n",
	       size_str(r->l1_leaf), r->ad ? " (A/D)" : "",
	       size_str(r->l0_size), pages,
	       r->write_after_read ? " (read, then write)" : "", v.faults,
	       (double)v.faults / pages, shadow_pages(&c),
	       shadow_pages(&c) * 4.0,
	       v.faults ? v.fault_time / v.faults * 1e9 : 0.0,
	       ok ? "" : " (FAILED)");
	shadow_invalidate_all(&c);
	pt_destroy(&ept12);
	fmem_fini(&l1);
	fmem_fini(&sh);
}

int main(void)
{
	static const struct run runs[] = {
		{ SZ_4K, SZ_1G, false, false }, { SZ_2M, SZ_1G, false, false },
		{ SZ_1G, SZ_1G, false, false }, { SZ_2M, SZ_4K, false, false },
		{ SZ_1G, SZ_2M, false, false }, { SZ_4K, SZ_1G, false, true },
		{ SZ_4K, SZ_1G, true, true },	{ SZ_2M, SZ_1G, true, true },
	};

	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		bench(&runs[i]);
	return 0;
}

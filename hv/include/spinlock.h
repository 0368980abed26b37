/* SPDX-License-Identifier: MIT */
/* A test-and-test-and-set spinlock for the few structures CPUs share. */
#ifndef MODEX_HV_INCLUDE_SPINLOCK_H
#define MODEX_HV_INCLUDE_SPINLOCK_H

#include "hv/include/types.h"

struct spinlock {
	volatile u32 locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			__builtin_ia32_pause();
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif /* MODEX_HV_INCLUDE_SPINLOCK_H */

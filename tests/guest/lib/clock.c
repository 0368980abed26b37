// SPDX-License-Identifier: MIT
/*
 * Test-guest clock: the TSC, calibrated once against PIT channel 2 (the
 * 8254 counts at 1.193182 MHz on every PC), for delays and timeouts that
 * hold on emulators whose TSC rate differs from any nominal value.
 * Context: calibration on the BSP; reading the clock on any CPU (the TSC
 * is shared as far as these tests need: timeouts, not measurements).
 */
#include "tests/guest/lib/smp.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_CMD_CH2_MODE0 0xb0 /* channel 2, lo/hi byte, mode 0, binary */
#define SYS_CTRL_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker, 5: OUT2 */
#define CAL_MS 10
/* A PIT that never counts costs at most a few seconds: polls or TSC. */
#define CAL_SPIN_LIMIT 10000000u
#define CAL_TSC_LIMIT (1ULL << 33)
#define TSC_FALLBACK_HZ 1000000000ULL /* only if the PIT never answers */

static u64 tsc_per_us = TSC_FALLBACK_HZ / 1000000;

static inline void out8(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 in8(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/*
 * 8254 mode 0: OUT2 goes high when the count written reaches zero; the
 * count starts once both bytes are written with the gate high.
 */
void guest_clock_init(char *how, size_t len)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u8 ctrl = in8(SYS_CTRL_B);
	u64 t0, t1;
	unsigned spins = 0;

	out8(SYS_CTRL_B, (u8)((ctrl & ~0x02) | 0x01));
	out8(PIT_CMD, PIT_CMD_CH2_MODE0);
	out8(PIT_CH2, (u8)count);
	out8(PIT_CH2, (u8)(count >> 8));
	t0 = guest_rdtsc();
	while (!(in8(SYS_CTRL_B) & 0x20) && spins < CAL_SPIN_LIMIT &&
	       guest_rdtsc() - t0 < CAL_TSC_LIMIT)
		spins++;
	t1 = guest_rdtsc();
	out8(SYS_CTRL_B, ctrl);
	if (spins < CAL_SPIN_LIMIT && t1 - t0 < CAL_TSC_LIMIT &&
	    t1 - t0 >= CAL_MS * 1000) {
		tsc_per_us = (t1 - t0) / (CAL_MS * 1000);
		if (how)
			guest_snprintf(
				how, len,
				"TSC %llu kHz (PIT channel 2, %u ms, %u polls)",
				(unsigned long long)tsc_per_us * 1000, CAL_MS,
				spins);
	} else if (how) {
		guest_snprintf(
			how, len,
			"PIT channel 2 did not count (%u polls); assuming a %llu MHz TSC",
			spins, TSC_FALLBACK_HZ / 1000000);
	}
}

u64 guest_now_us(void)
{
	return guest_rdtsc() / tsc_per_us;
}

void guest_udelay(u64 us)
{
	u64 end = guest_rdtsc() + us * tsc_per_us;

	while (guest_rdtsc() < end)
		asm volatile("pause");
}

bool guest_wait_eq(const volatile u32 *p, u32 want, u64 us)
{
	u64 end = guest_rdtsc() + us * tsc_per_us;

	while (*p != want) {
		if (guest_rdtsc() >= end)
			return *p == want;
		asm volatile("pause" ::: "memory");
	}
	return true;
}

bool guest_wait_ge64(const volatile u64 *p, u64 want, u64 us)
{
	u64 end = guest_rdtsc() + us * tsc_per_us;

	while (*p < want) {
		if (guest_rdtsc() >= end)
			return *p >= want;
		asm volatile("pause" ::: "memory");
	}
	return true;
}

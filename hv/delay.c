// SPDX-License-Identifier: MIT
/*
 * PIT channel 2 delays (hv/delay.h): mode 0 counts down once from the
 * value written and raises OUT2, which port 0x61 bit 5 shows (8254 data
 * sheet; the PC's port 0x61 gates channel 2 with bit 0 and disconnects
 * the speaker with bit 1 clear).
 */
#include "hv/delay.h"

#include "hv/include/compiler.h"
#include "hv/include/x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 BIT(0)
#define PORT_B_SPEAKER BIT(1)
#define PORT_B_OUT2 BIT(5)
#define CHUNK_US 50000u
/* A PIT that never raises OUT2 must not hang the boot: bound the poll. */
#define POLL_LIMIT 50000000u

static void pit_wait(u32 us)
{
	u32 count = (u32)(((u64)us * PIT_HZ + 999999) / 1000000);
	u8 b = inb(PORT_B);

	if (count < 2)
		count = 2;
	if (count > 0xffff)
		count = 0xffff;
	/* Gate low while programming, speaker off. */
	outb(PORT_B, (u8)(b & ~(PORT_B_GATE2 | PORT_B_SPEAKER)));
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, (u8)count);
	outb(PIT_CH2, (u8)(count >> 8));
	outb(PORT_B, (u8)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	for (u32 i = 0; i < POLL_LIMIT; i++) {
		if (inb(PORT_B) & PORT_B_OUT2)
			break;
		cpu_relax();
	}
	outb(PORT_B, b);
}

void udelay(u32 us)
{
	while (us) {
		u32 n = MIN(us, CHUNK_US);

		pit_wait(n);
		us -= n;
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * Busy-wait delays for the AP start-up protocol (SDM Vol. 3A 9.4.4.1:
 * 10 ms after INIT, 200 us after each SIPI), timed with PIT channel 2,
 * which every PC platform Modex runs on has. Not for exit paths.
 * Context: boot CPU, before L1 runs (L1 owns the PIT afterwards).
 */
#ifndef MODEX_HV_DELAY_H
#define MODEX_HV_DELAY_H

#include "hv/include/types.h"

/* Wait at least @us microseconds (any length; chunks of at most 50 ms). */
void udelay(u32 us);

#endif /* MODEX_HV_DELAY_H */

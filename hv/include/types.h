/* SPDX-License-Identifier: MIT */
/*
 * Basic fixed-width types and address types shared by every layer.
 * Builds freestanding (Modex) and hosted (unit tests) from the same text:
 * only compiler-provided headers are used.
 */
#ifndef MODEX_HV_INCLUDE_TYPES_H
#define MODEX_HV_INCLUDE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Addresses carry their space in their type (DESIGN.md section 2). */
typedef u64 hpa_t; /* host physical (what Modex's own tables map) */
typedef u64 hva_t; /* Modex virtual */
typedef u64 gpa_t; /* guest physical (L1 or L2, named at the use site) */
typedef u64 gva_t; /* guest linear */

/* A physical address range [start, end). */
struct mem_range {
	u64 start, end;
};

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

#endif /* MODEX_HV_INCLUDE_TYPES_H */

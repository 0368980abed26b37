/* SPDX-License-Identifier: MIT */
/*
 * ELF32/ELF64 file and program headers: the layouts the guest loader reads
 * (System V ABI gABI "ELF header" and "Program header"; i386 and x86-64
 * psABI for the machine numbers). Only what loading an executable needs.
 */
#ifndef MODEX_HV_ELF_H
#define MODEX_HV_ELF_H

#include "hv/include/types.h"

/* e_ident[] indexes and values. */
#define EI_MAG0 0
#define EI_MAG1 1
#define EI_MAG2 2
#define EI_MAG3 3
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_NIDENT 16

#define ELFMAG0 0x7f
#define ELFMAG1 'E'
#define ELFMAG2 'L'
#define ELFMAG3 'F'
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

/* e_type */
#define ET_EXEC 2
#define ET_DYN 3

/* e_machine */
#define EM_386 3
#define EM_X86_64 62

/* p_type */
#define PT_NULL 0
#define PT_LOAD 1

/* p_flags */
#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4

/* e_phnum value meaning "the real count is in section header 0". */
#define PN_XNUM 0xffff

struct elf32_ehdr {
	u8 e_ident[EI_NIDENT]; /* 0x00 */
	u16 e_type; /* 0x10 */
	u16 e_machine; /* 0x12 */
	u32 e_version; /* 0x14 */
	u32 e_entry; /* 0x18 */
	u32 e_phoff; /* 0x1c */
	u32 e_shoff; /* 0x20 */
	u32 e_flags; /* 0x24 */
	u16 e_ehsize; /* 0x28 */
	u16 e_phentsize; /* 0x2a */
	u16 e_phnum; /* 0x2c */
	u16 e_shentsize; /* 0x2e */
	u16 e_shnum; /* 0x30 */
	u16 e_shstrndx; /* 0x32 */
};
_Static_assert(offsetof(struct elf32_ehdr, e_entry) == 0x18, "elf32_ehdr");
_Static_assert(offsetof(struct elf32_ehdr, e_phoff) == 0x1c, "elf32_ehdr");
_Static_assert(offsetof(struct elf32_ehdr, e_phentsize) == 0x2a, "elf32_ehdr");
_Static_assert(offsetof(struct elf32_ehdr, e_phnum) == 0x2c, "elf32_ehdr");
_Static_assert(sizeof(struct elf32_ehdr) == 52, "elf32_ehdr");

struct elf64_ehdr {
	u8 e_ident[EI_NIDENT]; /* 0x00 */
	u16 e_type; /* 0x10 */
	u16 e_machine; /* 0x12 */
	u32 e_version; /* 0x14 */
	u64 e_entry; /* 0x18 */
	u64 e_phoff; /* 0x20 */
	u64 e_shoff; /* 0x28 */
	u32 e_flags; /* 0x30 */
	u16 e_ehsize; /* 0x34 */
	u16 e_phentsize; /* 0x36 */
	u16 e_phnum; /* 0x38 */
	u16 e_shentsize; /* 0x3a */
	u16 e_shnum; /* 0x3c */
	u16 e_shstrndx; /* 0x3e */
};
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 0x18, "elf64_ehdr");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 0x20, "elf64_ehdr");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 0x36, "elf64_ehdr");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 0x38, "elf64_ehdr");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "elf64_ehdr");

struct elf32_phdr {
	u32 p_type; /* 0x00 */
	u32 p_offset; /* 0x04 */
	u32 p_vaddr; /* 0x08 */
	u32 p_paddr; /* 0x0c */
	u32 p_filesz; /* 0x10 */
	u32 p_memsz; /* 0x14 */
	u32 p_flags; /* 0x18 */
	u32 p_align; /* 0x1c */
};
_Static_assert(offsetof(struct elf32_phdr, p_paddr) == 0x0c, "elf32_phdr");
_Static_assert(offsetof(struct elf32_phdr, p_flags) == 0x18, "elf32_phdr");
_Static_assert(sizeof(struct elf32_phdr) == 32, "elf32_phdr");

/* ELF64 moves p_flags up to keep the 64-bit fields naturally aligned. */
struct elf64_phdr {
	u32 p_type; /* 0x00 */
	u32 p_flags; /* 0x04 */
	u64 p_offset; /* 0x08 */
	u64 p_vaddr; /* 0x10 */
	u64 p_paddr; /* 0x18 */
	u64 p_filesz; /* 0x20 */
	u64 p_memsz; /* 0x28 */
	u64 p_align; /* 0x30 */
};
_Static_assert(offsetof(struct elf64_phdr, p_flags) == 0x04, "elf64_phdr");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 0x18, "elf64_phdr");
_Static_assert(offsetof(struct elf64_phdr, p_memsz) == 0x28, "elf64_phdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "elf64_phdr");

/* ELF64 relocation with addend (System V x86-64 psABI 4.4). */
struct elf64_rela {
	u64 r_offset; /* 0x00: the address the relocation patches */
	u64 r_info; /* 0x08: symbol << 32 | type */
	s64 r_addend; /* 0x10 */
};
_Static_assert(offsetof(struct elf64_rela, r_addend) == 0x10, "elf64_rela");
_Static_assert(sizeof(struct elf64_rela) == 24, "elf64_rela");

#define ELF64_R_TYPE(info) ((u32)(info))
#define ELF64_R_SYM(info) ((u32)((info) >> 32))
/* psABI 4.4.1: B + A, the load base plus the addend, patches 8 bytes. */
#define R_X86_64_RELATIVE 8

#endif /* MODEX_HV_ELF_H */

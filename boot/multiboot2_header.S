/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header (Multiboot2 specification 3.1). Asks the loader for the
 * command line, modules, memory maps, ACPI RSDP, framebuffer and the EFI
 * system table; all optional so a loader that lacks one still boots us and
 * the parser reports what is missing. A linear framebuffer of any mode is
 * welcome (hv/fbcon.c draws Modex's log on it), optionally: a BIOS boot
 * that stays in text mode still boots. There is no tag 7 (keep EFI boot
 * services) nor 8/9 (EFI entry points): GRUB exits boot services and
 * enters at the 32-bit entry as on a BIOS machine (spec 3.1.12).
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_INFO_REQUEST 1
#define MB2_TAG_FRAMEBUFFER 5
#define MB2_TAG_FLAG_OPTIONAL 1

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	.balign 8
mb2_info_request:
	.short MB2_TAG_INFO_REQUEST
	.short MB2_TAG_FLAG_OPTIONAL
	.long mb2_info_request_end - mb2_info_request
	.long 1		/* command line */
	.long 3		/* modules */
	.long 6		/* memory map */
	.long 14	/* ACPI 1.0 RSDP */
	.long 15	/* ACPI 2.0+ RSDP */
	.long 8		/* framebuffer */
	.long 12	/* EFI64 system table */
	.long 17	/* EFI memory map */
mb2_info_request_end:

	/* Spec 3.1.10: 0 for width, height and depth: no preference. */
	.balign 8
mb2_framebuffer:
	.short MB2_TAG_FRAMEBUFFER
	.short MB2_TAG_FLAG_OPTIONAL
	.long 20
	.long 0		/* width */
	.long 0		/* height */
	.long 0		/* depth */

	.balign 8
	.short MB2_TAG_END
	.short 0
	.long 8
mb2_header_end:

/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header for test kernels (Multiboot2 specification 3.1): asks
 * for the command line, modules, basic memory info and the memory map (all
 * optional, so the parser, not the loader, reports what is missing).
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_INFO_REQUEST 1
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
	.long 4		/* basic memory information */
	.long 6		/* memory map */
mb2_info_request_end:

	.balign 8
	.short MB2_TAG_END
	.short 0
	.long 8
mb2_header_end:

	/* Which protocol this image was built for (checked against EAX). */
	.section .rodata
	.globl guest_image_protocol
	.balign 4
guest_image_protocol:
	.long 2

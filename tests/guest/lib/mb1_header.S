/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (version 1) header for test kernels (Multiboot specification
 * 0.6.96, 3.1.1): 4-byte aligned within the first 8 KiB of the file. Flags
 * ask for page-aligned modules (bit 0) and memory information (bit 1); bit
 * 16 stays clear because the loader reads the ELF program headers.
 */
#define MB1_HEADER_MAGIC 0x1badb002
#define MB1_FLAGS 0x00000003

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)

	/* Which protocol this image was built for (checked against EAX). */
	.section .rodata
	.globl guest_image_protocol
	.balign 4
guest_image_protocol:
	.long 1

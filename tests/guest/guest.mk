# SPDX-License-Identifier: MIT
# Test kernels that run as L1 (tests/guest/): `make guests` builds each
# tests/guest/l1_*.c twice, build/guest/<name>_mb2.elf (Multiboot2 header)
# and build/guest/<name>_mb1.elf (Multiboot1 header), with the framework in
# tests/guest/lib/ and the pure Modex file it shares (hv/printf.c).
# Included from the top Makefile.

GUEST_OUT := $(BUILD)/guest
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-common -Wall -Wextra -Werror \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla -Wshadow \
	$(GUEST_EXTRA_CFLAGS) -I. -MMD -MP
GUEST_ASFLAGS := -g -I. -MMD -MP -D__ASSEMBLY__ -Wa,--noexecstack
GUEST_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T tests/guest/lib/guest.ld

# The pure Modex files test guests link (overridable for bring-up).
GUEST_SHARED_SRCS ?= hv/printf.c hv/lib.c
# Checks shared by several test kernels live in tests/guest/checks/.
GUEST_LIB_SRCS := $(filter-out %_header.S,$(wildcard tests/guest/lib/*.c \
	tests/guest/lib/*.S)) $(wildcard tests/guest/checks/*.c) \
	$(GUEST_SHARED_SRCS)
GUEST_LIB_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_LIB_SRCS))
# Parts of a test kernel that are not kernels of their own.
GUEST_PARTS := l1_smp
GUEST_NAMES := $(filter-out $(GUEST_PARTS),$(patsubst tests/guest/%.c,%, \
	$(wildcard tests/guest/l1_*.c)))
GUEST_ELFS := $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g)_mb1.elf \
	$(GUEST_OUT)/$(g)_mb2.elf)
# Benchmark kernels (tests/bench/*.c, multiboot2 only): tools/bench-*.sh.
BENCH_NAMES := $(patsubst tests/bench/%.c,%,$(wildcard tests/bench/*.c))
GUEST_ELFS += $(foreach g,$(BENCH_NAMES),$(GUEST_OUT)/$(g)_mb2.elf)

# Checks of l1_basic kept in their own files (tests/guest/basic/).
GUEST_BASIC_SRCS := $(wildcard tests/guest/basic/*.c)
GUEST_BASIC_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_BASIC_SRCS))
L1_BASIC_ELFS := $(foreach g,l1_basic l1_basic_big,$(GUEST_OUT)/$(g)_mb1.elf \
	$(GUEST_OUT)/$(g)_mb2.elf)
$(L1_BASIC_ELFS): $(GUEST_BASIC_OBJS)

# The L1 test hypervisor's VMX library and test groups (tests/guest/vmx/).
# L2's descriptors and paging (tests/guest/l2/) serve both hypervisors.
GUEST_L2_SRCS := $(wildcard tests/guest/l2/*.c)
GUEST_VMX_SRCS := $(wildcard tests/guest/vmx/*.c tests/guest/vmx/*.S) \
	$(GUEST_L2_SRCS)
GUEST_VMX_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_VMX_SRCS))
L1_VMX_ELFS := $(GUEST_OUT)/l1_vmx_mb1.elf $(GUEST_OUT)/l1_vmx_mb2.elf
$(L1_VMX_ELFS): $(GUEST_VMX_OBJS)
# The nested-VMX benchmark kernel uses the same library.
$(GUEST_OUT)/l1_nvmx_bench_mb2.elf: $(GUEST_VMX_OBJS)

# The demo L1 (l1_demo.c): the VMX library and its L2 (tests/guest/demo/).
GUEST_DEMO_SRCS := $(wildcard tests/guest/demo/*.c tests/guest/demo/*.S)
GUEST_DEMO_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_DEMO_SRCS))
L1_DEMO_ELFS := $(GUEST_OUT)/l1_demo_mb1.elf $(GUEST_OUT)/l1_demo_mb2.elf
$(L1_DEMO_ELFS): $(GUEST_VMX_OBJS) $(GUEST_DEMO_OBJS)

# The SVM L1 test hypervisor's library and test groups (tests/guest/svm/).
GUEST_SVM_SRCS := $(wildcard tests/guest/svm/*.c tests/guest/svm/*.S) \
	$(GUEST_L2_SRCS)
GUEST_SVM_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_SVM_SRCS))
L1_SVM_ELFS := $(GUEST_OUT)/l1_svm_mb1.elf $(GUEST_OUT)/l1_svm_mb2.elf
$(L1_SVM_ELFS): $(GUEST_SVM_OBJS)
# The nested SVM benchmark (tests/bench/l1_nsvm_bench.c) uses the library.
$(GUEST_OUT)/l1_nsvm_bench_mb2.elf: $(GUEST_SVM_OBJS)

.PHONY: guests
guests: $(GUEST_ELFS)

# Objects reached through the pattern rules below stay (not intermediate).
.SECONDARY: $(GUEST_LIB_OBJS) $(GUEST_BASIC_OBJS) $(GUEST_VMX_OBJS) \
	$(GUEST_DEMO_OBJS) $(GUEST_SVM_OBJS) \
	$(GUEST_OUT)/obj/tests/guest/lib/mb1_header.S.o \
	$(GUEST_OUT)/obj/tests/guest/lib/mb2_header.S.o \
	$(patsubst %,$(GUEST_OUT)/obj/tests/guest/%.c.o,$(GUEST_NAMES) \
		$(GUEST_PARTS)) \
	$(patsubst %,$(GUEST_OUT)/obj/tests/bench/%.c.o,$(BENCH_NAMES))

# l1_basic's "smp" mode lives in l1_smp.c (l1_basic_big is l1_basic).
$(L1_BASIC_ELFS): $(GUEST_OUT)/obj/tests/guest/l1_smp.c.o

$(GUEST_OUT)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_ASFLAGS) -c $< -o $@

$(GUEST_OUT)/%_mb1.elf: $(GUEST_OUT)/obj/tests/guest/%.c.o $(GUEST_LIB_OBJS) \
		$(GUEST_OUT)/obj/tests/guest/lib/mb1_header.S.o tests/guest/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(GUEST_OUT)/%_mb2.elf: $(GUEST_OUT)/obj/tests/bench/%.c.o $(GUEST_LIB_OBJS) \
		$(GUEST_OUT)/obj/tests/guest/lib/mb2_header.S.o tests/guest/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(GUEST_OUT)/%_mb2.elf: $(GUEST_OUT)/obj/tests/guest/%.c.o $(GUEST_LIB_OBJS) \
		$(GUEST_OUT)/obj/tests/guest/lib/mb2_header.S.o tests/guest/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

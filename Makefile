# SPDX-License-Identifier: MIT
# Modex build. `make` builds build/modex.elf; see README.md for the rest.

BUILD   ?= build
CC      := gcc
LD      := ld
HOSTCC  ?= gcc
OBJCOPY := objcopy

# Freestanding hypervisor flags: no SSE/x87 state is ever touched by Modex
# (-mgeneral-regs-only), so guest FPU state needs no save/restore on exits.
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-fno-stack-protector -fpie -mno-red-zone \
	-mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -fno-strict-aliasing -fno-common \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wvla -Wshadow -I. -MMD -MP
KASFLAGS := -g -I. -MMD -MP -D__ASSEMBLY__ -Wa,--noexecstack
KLDFLAGS := -nostdlib -pie --no-dynamic-linker -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T linker.ld

# Host unit tests: the same pure sources, built hosted under ASan+UBSan.
HOSTCFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -Wshadow -Wvla -I. -DMODEX_HOST -MMD -MP

# Every mm/ source and these hv/ sources are pure C: they build both
# freestanding and hosted, and host tests link against all of them.
HOST_PURE_HV := hv/err.c hv/printf.c hv/cmdline.c hv/multiboot2.c hv/layout.c \
	hv/loader.c hv/loader_info.c hv/e820.c hv/bzimage.c
# The VMX rules that need no hardware (VMCS01 builder), unit-tested hosted.
HOST_PURE_VMX := vmx/vmcs_build.c vmx/vmcs_guest.c
# The SVM rules that need no hardware (VMCB01 builder, boot state) and the
# pure hv/ files of the guest run (decoder, hypercalls, statistics, ranges).
HOST_PURE_SVM := svm/vmcb_build.c svm/vmcb_guest.c
HOST_PURE_HV += hv/insn_decode.c hv/hypercall.c hv/stats.c hv/ranges.c \
	hv/acpi.c hv/vlapic_rules.c hv/mtrr.c hv/msr_policy.c hv/acpi_copy.c \
	hv/iommu_acpi.c hv/vtd_tables.c hv/amdvi_hw.c hv/pci_cfg_filter.c \
	hv/efi_map.c hv/fbcon_draw.c hv/font.c
# Nested VMX's pure parts: vmcs12 layout and fields, the capability MSRs
# advertised to L1 and the VM-entry checks.
HOST_PURE_NESTED := nested/nvmx_vmcs12.c nested/nvmx_caps.c nested/nvmx_check.c
# The L1 test kernel's pure parts (tests/guest/lib/).
HOST_PURE_GUEST := tests/guest/lib/madt.c
# The vendor-neutral nested core: shadow stage-2 tables.
HOST_PURE_NESTED += nested/shadow.c nested/nested_log.c
# Nested SVM's pure parts: the VMRUN checks, L1's intercepts, #NPF info.
HOST_PURE_NESTED += nested/nsvm_check.c
HOST_PURE := $(wildcard mm/*.c) $(filter $(wildcard hv/*.c),$(HOST_PURE_HV)) \
	$(HOST_PURE_GUEST) $(filter $(wildcard nested/*.c),$(HOST_PURE_NESTED)) \
	$(filter $(wildcard vmx/*.c),$(HOST_PURE_VMX)) \
	$(filter $(wildcard svm/*.c),$(HOST_PURE_SVM))
TEST_SUPPORT := $(wildcard tests/ref/*.c) $(wildcard tests/unit/support/*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(wildcard tests/unit/test_*.c))

KSRCS := $(wildcard boot/*.S boot/*.c hv/*.c mm/*.c vmx/*.c vmx/*.S \
	svm/*.c svm/*.S nested/*.c)
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))

.PHONY: all iso run test unit check clean deps
.SECONDARY:

all: $(BUILD)/modex.elf

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KASFLAGS) -c $< -o $@

$(BUILD)/modex.elf: $(KOBJS) linker.ld tools/elf-hide-rela.sh tools/check-image.sh
	$(LD) $(KLDFLAGS) -o $@.tmp $(KOBJS)
	@tools/elf-hide-rela.sh $@.tmp
	@tools/check-image.sh $@.tmp
	@mv $@.tmp $@

# ---- host unit tests ----
HOST_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(HOST_PURE) $(TEST_SUPPORT))

$(BUILD)/host/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

$(BUILD)/host/test_%: tests/unit/test_%.c $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ $< $(HOST_OBJS)

unit: $(UNIT_TESTS)

# mm/ micro-benchmark: walks and permission checks per second. Not a test;
# built without sanitizers at -O2 so that the figures mean something.
.PHONY: bench-mm
bench-mm: $(BUILD)/host/bench_mm

$(BUILD)/host/bench_mm: tests/unit/bench_mm.c $(wildcard mm/*.c mm/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wvla -I. \
		-DMODEX_HOST -o $@ tests/unit/bench_mm.c $(wildcard mm/*.c)

# Shadow stage-2 benchmark (nested/shadow.c): faults per L2 page touched,
# shadow table pages per GiB. Not a test; -O2, no sanitizers.
.PHONY: bench-shadow
bench-shadow: $(BUILD)/host/bench_shadow

$(BUILD)/host/bench_shadow: tests/unit/bench_shadow.c nested/shadow.c \
		tests/unit/support/mm_fake_mem.c $(wildcard mm/*.c mm/*.h nested/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wvla -I. \
		-DMODEX_HOST -o $@ tests/unit/bench_shadow.c nested/shadow.c \
		tests/unit/support/mm_fake_mem.c $(wildcard mm/*.c)

# ---- images and emulators ----
iso: $(BUILD)/modex.iso

$(BUILD)/modex.iso: $(BUILD)/modex.elf tools/mkiso.sh
	tools/mkiso.sh $@ $(BUILD)/modex.elf ""

# `make run` boots the demo L1 (tests/guest/l1_demo.c) under Modex in QEMU
# and exits 0 on pass; L1=path [L1_CMDLINE=...] boots another L1 (L1=none:
# Modex alone), MODEX_CMDLINE replaces Modex's command line ("exit=qemu
# nested_log=on": Modex prints its own record of each L2 access L1's EPT12
# denies next to the demo's matrix).
# `make run-tigerlake` (Bochs, VMX with MBEC) and `make run-broadwell`
# (Bochs broadwell_ult, VMX without MBEC) boot the same on Bochs.
MODEX_CMDLINE ?= exit=qemu nested_log=on
run: $(BUILD)/modex.elf $(if $(L1),,$(BUILD)/guest/l1_demo_mb2.elf)
	tools/run.sh $(BUILD)/modex.elf "$(MODEX_CMDLINE)" "$(L1)" "$(L1_CMDLINE)"

.PHONY: run-tigerlake run-broadwell
run-tigerlake: RUN_BOCHS_CPU := tigerlake
run-broadwell: RUN_BOCHS_CPU := broadwell_ult
run-tigerlake run-broadwell: $(BUILD)/modex.elf \
		$(if $(L1),,$(BUILD)/guest/l1_demo_mb2.elf)
	MODEX_BOCHS_CPU=$(RUN_BOCHS_CPU) tools/run.sh $(BUILD)/modex.elf \
		"$(subst exit=qemu,exit=bochs,$(MODEX_CMDLINE))" "$(L1)" \
		"$(L1_CMDLINE)"

test:
	tests/run

check:
	tools/check.sh

deps:
	tools/deps.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
include tests/guest/guest.mk

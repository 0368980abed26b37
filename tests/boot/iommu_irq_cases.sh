# SPDX-License-Identifier: MIT
# Interrupts from devices (docs/iommu.md "Interrupts from devices"),
# sourced by tests/boot/cases.sh after the DMA cases ($vtd_q35 and
# $amdvi_q35 come from there). tests/guest/l1_dma.c programs q35's AHCI
# controller's MSI capability with an interrupt of a chosen delivery mode
# to its own CPU and lets a READ(10) completion send it.
#
# AMD-Vi with intremap=on (QEMU then lists the I/O APIC in the IVRS and
# honours the DTE's interrupt control): Modex filters device interrupts
# (IV=1, IntCtl=01b): an NMI or INIT MSI is blocked and L1 runs on. (The
# fixed MSI the spec forwards unchanged, QEMU 7.2 rewrites to vector 0:
# not testable here, docs/iommu.md.)
amdvi_ir_q35="-machine q35 -device amd-iommu,intremap=on"
amdvi_ir_lines=(
	'+\[modex\] amdvi: AMD-Vi: device interrupts filtered: fixed and arbitrated ones forwarded unchanged, INIT and NMI blocked'
	'+\[l1\] check dma-own: ok' '+\[l1\] check msi: ok'
	'+\[modex\] guest: Modex intact: 4 canaries and its code and read-only data unchanged\.'
	'+\[l1\] PASS' '-PANIC|FATAL|error:|not filtered'
)
QEMU_MACHINE=$amdvi_ir_q35 l1_case amdvi-msi-nmi.qemu qemu l1_dma_mb2 \
	"msi=nmi msi-expect=blocked" pass "${amdvi_ir_lines[@]}" \
	'+\[l1\]   READ\(10\) completed; .* NMIs 0'
QEMU_MACHINE=$amdvi_ir_q35 l1_case amdvi-msi-init.qemu qemu l1_dma_mb2 \
	"msi=init msi-expect=blocked" pass "${amdvi_ir_lines[@]}" \
	'-L1 sent INIT to its boot CPU'
# Without the I/O APIC in the IVRS (intremap=off) Modex warns and leaves
# interrupts unfiltered: the NMI reaches L1 (as on VT-d below).
QEMU_MACHINE=$amdvi_q35 l1_case amdvi-msi-nmi-unfiltered.qemu qemu l1_dma_mb2 \
	"msi=nmi msi-expect=delivered" pass \
	'+\[modex\] amdvi: warning: AMD-Vi: the IVRS names no I/O APIC: device interrupts are not filtered' \
	'+\[l1\] check msi: ok' '+\[l1\]   READ\(10\) completed; .* NMIs [1-9]' \
	'+\[modex\] guest: Modex intact: 4 canaries and its code and read-only data unchanged\.' \
	'+\[l1\] PASS' '-PANIC|FATAL|error:'
# VT-d: interrupts are not remapped (docs/iommu.md). A fixed MSI with
# L1's vector reaches L1; an NMI MSI is L1's NMI (taken in Modex after its
# #VMEXIT and injected), and Modex stays intact. (An INIT MSI is not
# survivable on QEMU TCG with an SVM CPU: QEMU resets the CPU inside
# Modex, docs/iommu.md; no case runs it.)
QEMU_MACHINE=$vtd_q35 l1_case vtd-msi-fixed.qemu qemu l1_dma_mb2 \
	"msi=fixed msi-expect=delivered" pass \
	'+\[l1\] check msi: ok' '+\[l1\]   READ\(10\) completed; fixed interrupts [1-9]' \
	'+\[modex\] guest: Modex intact: 4 canaries and its code and read-only data unchanged\.' \
	'+\[l1\] PASS' '-PANIC|FATAL|error:'
QEMU_MACHINE=$vtd_q35 l1_case vtd-msi-nmi.qemu qemu l1_dma_mb2 \
	"msi=nmi msi-expect=delivered" pass \
	'+\[l1\] check msi: ok' '+\[l1\]   READ\(10\) completed; .* NMIs [1-9]' \
	'+\[modex\] guest: Modex intact: 4 canaries and its code and read-only data unchanged\.' \
	'+\[l1\] PASS' '-PANIC|FATAL|error:'

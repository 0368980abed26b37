#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UEFI boot cases (docs/boot.md): one ISO with GRUB i386-pc and x86_64-efi
# (tools/mkiso.sh, as `make iso` builds it) boots Modex and the L1 test
# kernel under OVMF (QEMU TCG, q35, Debian's ovmf package) and under
# SeaBIOS; the framebuffer console draws exactly Modex's log, checked
# pixel for pixel against the same text drawn by Modex's own drawing code
# (tests/boot/fbcheck.c). QEMU only: Bochs has no UEFI firmware. Sourced by
# tests/boot/cases.sh, whose selected, rec, verdict, run_host, l1_dir,
# svm_common, l1_checks and features it uses.
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd

# run_ovmf ISO LOG [QEMU ARGS]...: boots ISO under OVMF with a private copy
# of the variable store; exit status as run_host's.
run_ovmf() {
	local iso=$1 log=$2
	shift 2
	cp "$ovmf_vars" "$log.vars" || return 125
	timeout 60 qemu-system-x86_64 -accel tcg -cpu max -m 256 -machine q35 \
		-drive "if=pflash,format=raw,readonly=on,file=$ovmf_code" \
		-drive "if=pflash,format=raw,file=$log.vars" \
		-display none -no-reboot -serial "file:$log" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-cdrom "$iso" -boot d "$@" >"$log.emu" 2>&1
}

# uefi_iso NAME "MODEX CMDLINE" L1 "L1 CMDLINE": the dual ISO, or fails.
uefi_iso() {
	MODEX_ISO_FIRMWARE="bios uefi" tools/mkiso.sh "$out/$1.iso" \
		"$BUILD/modex.elf" "$2" "$l1_dir/$3.elf" "$4" >/dev/null 2>&1
}

# finish NAME LOG RC EXPECTED_RC [+regex|-regex]...
finish() {
	local name=$1 log=$2 rc=$3 want=$4 problems=()
	shift 4
	touch "$log"
	# GRUB's EFI console leaves a CR before Modex's first line.
	sed -i 's/\r//g' "$log"
	[ "$rc" = 124 ] && problems+=("timed out")
	[ "$rc" != 124 ] && [ "$rc" != "$want" ] && problems+=("QEMU exit status $rc, expected $want")
	verdict "$name" "$log" "${problems[@]}" -- "$@"
}

uefi_checks=(
	"${svm_common[@]}" "${features[qemu]}" "${l1_checks[@]}"
	'+\[modex\] boot: UEFI boot: memory map from the EFI memory map \([0-9]+ descriptors'
	"+\\[modex\\] guest: L1's EFI memory map: [0-9]+ descriptors; EFI system table 0x[0-9a-f]+ passed on\\."
	'+\[l1\] check efi: ok' '+\[l1\]   [0-9]+ available regions .*; UEFI boot'
	'+\[modex\] fbcon: framebuffer console: [0-9]+x[0-9]+, (15|16|24|32) bits per pixel'
)

# One ISO, two firmwares: OVMF, then SeaBIOS (GRUB i386-pc from the same
# image; there L1 gets no EFI tags and the BIOS memory-map shape).
if selected uefi-l1-basic.qemu qemu || selected uefi-iso-seabios.qemu qemu; then
	iso=$out/uefi-l1-basic.iso
	if ! uefi_iso uefi-l1-basic "exit=qemu" l1_basic_mb2 "l1test"; then
		rec FAIL uefi-l1-basic.qemu "could not build the BIOS+UEFI ISO"
	else
		if selected uefi-l1-basic.qemu qemu; then
			log=$out/uefi-l1-basic.log
			rm -f "$log"
			run_ovmf "$iso" "$log"
			finish uefi-l1-basic.qemu "$log" $? 33 "${uefi_checks[@]}"
		fi
		if selected uefi-iso-seabios.qemu qemu; then
			log=$out/uefi-iso-seabios.log
			rm -f "$log"
			run_host qemu "$iso" "$log"
			finish uefi-iso-seabios.qemu "$log" $? 33 \
				"${svm_common[@]}" "${features[qemu]}" "${l1_checks[@]}" \
				'-UEFI boot|check efi' '+\[l1\]   1 available regions in \[1 MiB, 4 GiB\)'
		fi
	fi
fi

# A multiboot1 L1 on UEFI: no EFI tags (the protocol has none), the map
# from the EFI memory map; "uefi" tells the test kernel the firmware split
# low RAM.
if selected uefi-l1-basic-mb1.qemu qemu; then
	log=$out/uefi-l1-basic-mb1.log
	rm -f "$log"
	if ! uefi_iso uefi-l1-basic-mb1 "exit=qemu" l1_basic_mb1 "l1test uefi"; then
		rec FAIL uefi-l1-basic-mb1.qemu "could not build the BIOS+UEFI ISO"
	else
		run_ovmf "$out/uefi-l1-basic-mb1.iso" "$log"
		finish uefi-l1-basic-mb1.qemu "$log" $? 33 "${svm_common[@]}" \
			"${features[qemu]}" "${l1_checks[@]}" \
			'+\[modex\] boot: UEFI boot: memory map from the EFI memory map' \
			'+\[l1\]   [0-9]+ available regions .*; UEFI boot' \
			'+\[modex\] guest: L1 module: multiboot1' '-check efi'
	fi
fi

# fb_case NAME "MODEX CMDLINE" DONE-REGEX ROWS: boots OVMF with a monitor
# on a FIFO, waits for DONE-REGEX in the serial log (L1 runs then, and
# owns the framebuffer: Modex drew its last), takes a screendump and
# compares it with fbcheck: the whole screen against the serial log's
# Modex lines up to L1's start (ROWS 0), or the first ROWS text rows
# against $fb_text.
fbcheck=$out/fbcheck
fb_case() {
	local name=$1 cmdline=$2 done_re=$3 rows=$4 log=$out/$1.log
	local ppm=$out/$1.ppm fifo=$out/$1.mon pid problems=() res i
	selected "$name" qemu || return 0
	if ! ${HOSTCC:-gcc} -std=gnu11 -O1 -Wall -Wextra -Werror -I. -DMODEX_HOST \
		-o "$fbcheck" tests/boot/fbcheck.c hv/fbcon_draw.c hv/font.c \
		2>"$out/fbcheck-build.log"; then
		rec FAIL "$name" "tests/boot/fbcheck.c did not build"
		return
	fi
	if ! uefi_iso "$name" "$cmdline" l1_basic_mb2 "l1test"; then
		rec FAIL "$name" "could not build the BIOS+UEFI ISO"
		return
	fi
	rm -f "$log" "$ppm" "$fifo"
	mkfifo "$fifo"
	run_ovmf "$out/$name.iso" "$log" -monitor stdio <"$fifo" &
	pid=$!
	exec 9>"$fifo"
	for ((i = 0; i < 600; i++)); do
		grep -Eqa "$done_re" "$log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	echo "screendump $ppm" >&9
	for ((i = 0; i < 50; i++)); do
		[ -s "$ppm" ] && break
		sleep 0.1
	done
	sleep 0.2 # the file is written in one go; let it close
	echo quit >&9
	exec 9>&-
	wait $pid
	rm -f "$fifo"
	# GRUB's EFI console leaves a CR before Modex's first line.
	sed -i 's/\r//g' "$log"
	if [ "$rows" = 0 ]; then
		# Modex's lines up to L1's start, or all of them when L1
		# never started (the last may lack its newline: add none).
		awk '/^\[modex\] /{on=1} on{print} /^\[modex\] guest: starting L1 at/{exit}' \
			"$log" >"$log.fbtext"
	else
		printf '%s\n' "$fb_text" >"$log.fbtext"
	fi
	if [ ! -s "$ppm" ]; then
		problems+=("no screendump")
	elif ! res=$("$fbcheck" "$ppm" "$log.fbtext" $((rows ? rows : 0)) 2>&1); then
		problems+=("screen differs from the text: $res")
	else
		echo "  $name: $res"
	fi
	verdict "$name" "$log" "${problems[@]}" -- "${@:5}"
}

# console=com1,fb: every pixel of the screen is the log's text.
fb_case uefi-fbcon.qemu "console=com1,fb" '^\[modex\] exit: ' 0 \
	'+\[modex\] exit: pass' '+\[modex\] fbcon: framebuffer console: ' \
	'+\[l1\] PASS' '-FATAL|PANIC|warning'
# A panic before L1 starts (test=panic): the report is on the screen.
fb_case uefi-fbcon-panic.qemu "console=com1,fb test=panic" '^\[modex\] exit: ' 0 \
	'+PANIC on CPU 0 at hv/selftest.c:[0-9]+: panic requested by test=panic\.' \
	'+\[modex\] exit: FAIL'
# console=fb: nothing of Modex on the serial port (L1 still writes there);
# the banner is the screen's first text row.
fb_text="[modex] boot: $(sed -n 's/^#define MODEX_VERSION "\(.*\)"/Modex micro-hypervisor \1 (x86-64, multiboot2)/p' hv/main.h)"
fb_case uefi-fbcon-only.qemu "console=fb" '^\[l1\] (PASS|FAIL)' 1 \
	'+\[l1\] PASS' '-\[modex\]'

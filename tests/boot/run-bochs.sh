#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot a GRUB ISO on Bochs 3.x headless, COM1 going to a file.
#   tests/boot/run-bochs.sh CPU_MODEL ISO SERIAL_LOG [TIMEOUT_S]
# CPU_MODEL: a Bochs model (ryzen, broadwell_ult, corei7_haswell_4770,
# tigerlake, sapphire_rapids, ...). TIMEOUT_S defaults to 60.
# Environment: BOCHS (binary; default: the one tools/bochs.sh gives),
# BOCHS_MEGS (guest RAM in MiB, default 256), BOCHS_CPUS (CPU count,
# default 1; the build has SMP), BOCHS_ERROR_ACTION (report, the default,
# or ignore: Bochs 3.0 was seen to deadlock in a futex wait, at random,
# when a guest makes it log some 100,000 "error" lines, e.g. one per
# failed VM entry).
# Beside SERIAL_LOG it leaves SERIAL_LOG.bochs.log (Bochs's own log) and
# SERIAL_LOG.bochsrc (the configuration used).
# Exit status: Bochs's own, or 124 on timeout. Bochs exits with 1 both when
# the guest writes "Shutdown" to port 0x8900 (its log then says "Shutdown
# port: shutdown requested") and at a panic, e.g. a triple fault.
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 CPU_MODEL ISO SERIAL_LOG [TIMEOUT_S]" >&2
	exit 2
fi
model=$1 iso=$2 serial=$3 tmo=${4:-60}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
iso=$(abspath "$iso")
serial=$(abspath "$serial")
[ -f "$iso" ] || {
	echo "run-bochs: no ISO at $iso" >&2
	exit 2
}
# Bochs's config parser treats these specially, even inside quotes.
for p in "$iso" "$serial" "$model"; do
	case $p in *[\"\$,\#]* | *[[:space:]]*)
		echo "run-bochs: unsupported character in '$p'" >&2
		exit 2
		;;
	esac
done
case ${BOCHS_CPUS:-1} in
[1-9] | [1-9][0-9]) ;;
*)
	echo "run-bochs: BOCHS_CPUS must be a CPU count, not '$BOCHS_CPUS'" >&2
	exit 2
	;;
esac
case ${BOCHS_ERROR_ACTION:=report} in
report | ignore) ;;
*)
	echo "run-bochs: BOCHS_ERROR_ACTION must be report or ignore, not '$BOCHS_ERROR_ACTION'" >&2
	exit 2
	;;
esac
mkdir -p "$(dirname "$serial")"

bochs=${BOCHS:-}
[ -n "$bochs" ] || bochs=$("$top/tools/bochs.sh")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cfg=$tmp/bochsrc
blog=$serial.bochs.log
sed_esc() { printf '%s' "$1" | sed 's/[&|\\]/\\&/g'; }
sed -e "s|@CPU_MODEL@|$(sed_esc "$model")|g" \
	-e "s|@ISO@|$(sed_esc "$iso")|g" \
	-e "s|@SERIAL_LOG@|$(sed_esc "$serial")|g" \
	-e "s|@MEGS@|${BOCHS_MEGS:-256}|g" \
	-e "s|@CPUS@|${BOCHS_CPUS:-1}|g" \
	-e "s|@BOCHS_LOG@|$(sed_esc "$blog")|g" \
	-e "s|@ERROR_ACTION@|$BOCHS_ERROR_ACTION|g" \
	"$here/bochsrc.in" >"$cfg"
cp "$cfg" "$serial.bochsrc"
rm -f "$serial" "$blog"

# -q: no start menu. Standard input is /dev/null so nothing can wait for
# it; the build has no debugger. Run from the temp dir so stray files
# (e.g. a lock or state file) land there.
rc=0
(cd "$tmp" && exec timeout -k 5 "$tmo" "$bochs" -q -f "$cfg" </dev/null) || rc=$?
[ $rc = 137 ] && rc=124 # killed after ignoring SIGTERM
exit $rc

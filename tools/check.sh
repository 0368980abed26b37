#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks (make check; also run as test cases by tests/run):
#   headers   every header compiles on its own (freestanding flags)
#   layering  DESIGN.md section 2: mm/ includes no vendor or nested code;
#             vmx/ and svm/ never include each other; nested/'s
#             vendor-neutral core includes no vendor header, its VMX
#             half (nvmx*) no svm/ and its SVM half (nsvm*) no vmx/
#   format    clang-format reports no differences
# Usage: tools/check.sh [headers|layering|format]...  (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."

KFLAGS="-std=gnu11 -ffreestanding -fno-builtin -nostdlib -mno-red-zone
	-mgeneral-regs-only -Wall -Wextra -Werror -Wmissing-prototypes
	-Wstrict-prototypes -Wvla -Wshadow -I."
status=0

check_headers() {
	local bad=0
	for h in $(git ls-files '*.h' 2>/dev/null || find . -name '*.h'); do
		case $h in tests/*) continue ;; esac
		if ! echo "#include \"$h\"" | gcc $KFLAGS -x c -c - -o /dev/null 2>/tmp/hdr.$$; then
			echo "check: $h does not compile on its own:"
			head -n 5 /tmp/hdr.$$
			bad=1
		fi
	done
	rm -f /tmp/hdr.$$
	return $bad
}

# nested/ include lines that break DESIGN.md section 2.
nested_layering() {
	local f
	for f in $(find nested -type f -name '*.[chS]' 2>/dev/null); do
		case ${f##*/} in
		nvmx*) grep -nHE '#include *"svm/' "$f" ;;
		nsvm*) grep -nHE '#include *"vmx/' "$f" ;;
		*) grep -nHE '#include *"(vmx|svm)/' "$f" ;;
		esac
	done
}

check_layering() {
	local bad
	bad=$(grep -rnE '#include *"(vmx|svm|nested|boot)/' mm/ 2>/dev/null
		grep -rnE '#include *"svm/' vmx/ 2>/dev/null
		grep -rnE '#include *"vmx/' svm/ 2>/dev/null
		nested_layering
		grep -rnE '#include *"(hv|boot|nested)/' mm/ 2>/dev/null |
			grep -v '"hv/include/')
	if [ -n "$bad" ]; then
		echo "check: layering (DESIGN.md section 2) broken:"
		echo "$bad"
		return 1
	fi
}

check_format() {
	local files bad=0
	files=$(git ls-files '*.c' '*.h' 2>/dev/null)
	[ -n "$files" ] || files=$(find boot hv mm vmx svm nested tests -name '*.[ch]')
	for f in $files; do
		if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
			echo "check: $f is not clang-formatted (clang-format -i $f)"
			bad=1
		fi
	done
	return $bad
}

what=${*:-headers layering format}
for c in $what; do
	if "check_$c"; then
		echo "PASS check.$c"
	else
		echo "FAIL check.$c"
		status=1
	fi
done
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages Modex's build and tests need (as root), or
# name them (otherwise). Usage: tools/deps.sh [--check]
set -euo pipefail

pkgs=(build-essential binutils qemu-system-x86 grub-pc-bin grub-efi-amd64-bin
	grub-common ovmf xorriso mtools bochsbios vgabios clang-format cpio)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1-}" = --check ] || [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

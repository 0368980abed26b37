#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Give the paths of Debian 12's stock kernel (bzImage and modules) and
# busybox-static for the Linux-as-L1 boot tests, fetching the packages
# once with apt-get download and unpacking them (dpkg-deb -x) into a cache
# outside the repository. Nothing happens when they are cached.
#
#   eval "$(tools/linux.sh)"     sets LINUX_KVER, LINUX_BZIMAGE,
#                                LINUX_MODULES (lib/modules/<kver>), BUSYBOX
#
# The kernel version comes from the linux-image-amd64 metapackage's
# Depends (apt-cache depends), not a hard-coded name.
# Cache: ${MODEX_CACHE:-$HOME/.cache/modex}/linux/<package>/, moved into
# place only once unpacked, so an interrupted fetch leaves none.
set -euo pipefail

cache=${MODEX_CACHE:-$HOME/.cache/modex}/linux
say() { echo "linux.sh: $*" >&2; }

# The versioned kernel package the metapackage depends on; a cached one
# serves when apt knows none (no package lists).
image_pkg() {
	local p
	p=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
	if [ -z "$p" ]; then
		p=$(cd "$cache" 2>/dev/null && ls -d linux-image-[0-9]*-amd64 2>/dev/null |
			sort -V | tail -n 1) || true
	fi
	[ -n "$p" ] || {
		say "apt knows no linux-image-amd64 (run apt-get update)"
		return 1
	}
	echo "$p"
}

# fetch PKG: $cache/PKG holds the unpacked package afterwards.
fetch() {
	local pkg=$1 tmp
	[ -d "$cache/$pkg" ] && return 0
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	say "fetching $pkg with apt-get download"
	if ! (cd "$tmp" && apt-get download -q "$pkg" >&2 2>"$tmp/apt.log"); then
		cat "$tmp/apt.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	mkdir "$tmp/root"
	dpkg-deb -x "$tmp"/*.deb "$tmp/root"
	rm -f "$tmp"/*.deb
	mv "$tmp/root" "$cache/$pkg"
	rm -rf "$tmp"
}

img=$(image_pkg)
fetch "$img"
fetch busybox-static
kver=${img#linux-image-}
bz=$cache/$img/boot/vmlinuz-$kver
[ -f "$bz" ] || {
	say "$bz is missing from the unpacked $img"
	exit 1
}
echo "LINUX_KVER=$kver"
echo "LINUX_BZIMAGE=$bz"
echo "LINUX_MODULES=$cache/$img/lib/modules/$kver"
echo "BUSYBOX=$cache/busybox-static/bin/busybox"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Give the path of a Bochs 3.x binary built for Modex's boot tests, building
# it once from Debian 13's (trixie) `bochs` source package and caching it
# outside the repository. Debian 12 ships Bochs 2.7, which lacks MBEC and the
# 'nogui' display (see DESIGN.md section 5).
#
#   BOCHS=$(tools/bochs.sh)            cached binary, or build it (a few minutes)
#   tools/bochs.sh --refresh           ask apt for the current source version
#                                      and build it if it is not cached yet
#
# Stdout: only the path of the binary. Progress goes to stderr, the full
# build output to <cache>/bochs-build.log (and into the cache entry).
# Cache: ${MODEX_CACHE:-$HOME/.cache/modex}/bochs-<debian version>/bin/bochs,
# moved into place only once complete, so an interrupted build leaves none.
# The BIOS images come from Debian 12's bochsbios and vgabios packages.
# Needs root only to install missing Debian packages; otherwise it prints
# the apt-get command to run and exits 1.
set -euo pipefail

suite=${MODEX_BOCHS_SUITE:-trixie}
mirror=${MODEX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${MODEX_CACHE:-$HOME/.cache/modex}
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
configure_flags=(--enable-x86-64 --enable-vmx=2 --enable-svm --enable-cpu-level=6
	--enable-smp --enable-all-optimizations --enable-avx --enable-evex --enable-pci
	--with-nogui --without-x11 --without-wx --disable-debugger)

refresh=0
case ${1-} in
--refresh) refresh=1 ;;
"") ;;
*)
	echo "usage: tools/bochs.sh [--refresh]" >&2
	exit 2
	;;
esac

say() { echo "bochs.sh: $*" >&2; }

# A usable binary answers --help quickly and knows the CPU models we test on.
works() {
	local out
	[ -x "$1" ] || return 1
	out=$(timeout 10 "$1" --help cpu </dev/null 2>&1) || return 1
	grep -qx tigerlake <<<"$out"
}

# ensure_pkgs PKG...: install the missing ones as root, or say how to.
ensure_pkgs() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		say "missing Debian packages: ${missing[*]}; install them with:"
		echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
}

runtime_ok() { [ -f "$bios" ] && [ -f "$vgabios" ]; }

# Newest working cached build, if any (no network, well under a second).
cached() {
	local d
	while IFS= read -r d; do
		if works "$d/bin/bochs"; then
			echo "$d/bin/bochs"
			return 0
		fi
	done < <(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'bochs-*' 2>/dev/null | sort -rV)
	return 1
}

if [ $refresh = 0 ] && runtime_ok && b=$(cached); then
	echo "$b"
	exit 0
fi

runtime_ok || ensure_pkgs bochsbios vgabios
runtime_ok || {
	say "bochsbios/vgabios installed but $bios or $vgabios is missing"
	exit 1
}
if [ $refresh = 0 ] && b=$(cached); then
	echo "$b"
	exit 0
fi

ensure_pkgs build-essential xz-utils
mkdir -p "$cache"

# One build at a time per cache; a second caller waits and reuses it.
exec 9>"$cache/.bochs.lock"
if ! flock -n 9; then
	say "another build holds $cache/.bochs.lock; waiting"
	flock 9
	if [ $refresh = 0 ] && b=$(cached); then
		echo "$b"
		exit 0
	fi
fi

# Holding the lock, leftovers of interrupted builds can go. The new one is
# staged beside the cache (same file system) and moved into place at the end.
rm -rf "$cache"/.bochs-build.*
stage=$(mktemp -d "$cache/.bochs-build.XXXXXX")
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM HUP

# Private apt configuration: a deb-src line for Debian 13 with its own lists
# and cache directories, so the system's apt setup is neither read nor changed.
apt_dir=$stage/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$stage/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
	>"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o Acquire::Languages=none)
# The private lists directory is root's: apt's _apt sandbox cannot write it.
[ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)

log=$cache/bochs-build.log
: >"$log"
say "fetching the $suite source index (log: $log)"
if ! apt-get "${apt_opts[@]}" update >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	say "apt-get update for $suite deb-src failed"
	exit 1
fi
showsrc=$(apt-cache "${apt_opts[@]}" showsrc --only-source bochs 2>>"$log")
version=$(awk '/^Version:/ { print $2 }' <<<"$showsrc" | sort -V | tail -n 1)
if [ -z "$version" ]; then
	say "apt knows no bochs source package in $suite"
	exit 1
fi
out=$cache/bochs-$version
if works "$out/bin/bochs"; then
	say "bochs $version is already cached"
	echo "$out/bin/bochs"
	exit 0
fi

# The stanza of that version: file names and SHA-256 sums of its files.
stanza=$(awk -v v="$version" '
	/^Package:/ { buf = ""; keep = 0 }
	/^Version:/ { keep = ($2 == v) }
	{ buf = buf $0 "\n" }
	/^$/ { if (keep) { printf "%s", buf; exit } buf = "" }
	END { if (keep) printf "%s", buf }' <<<"$showsrc")
orig_line=$(awk '/^Checksums-Sha256:/ { s = 1; next } /^[^ ]/ { s = 0 }
	s && $3 ~ /\.orig\.tar\./ { print $1, $3; exit }' <<<"$stanza")
read -r orig_sha orig <<<"$orig_line"
if [ -z "${orig-}" ]; then
	say "no .orig tarball listed for bochs $version"
	exit 1
fi

say "downloading bochs $version source"
# apt may fail on one file (the .dsc has answered 404 here) after fetching
# the tarballs; what counts is the original tarball and its checksum.
(cd "$stage/src" && apt-get "${apt_opts[@]}" source --download-only "bochs=$version") \
	>>"$log" 2>&1 || say "apt-get source reported an error (tolerated; checking the tarball)"
if [ ! -f "$stage/src/$orig" ] ||
	! echo "$orig_sha  $stage/src/$orig" | sha256sum -c --quiet - >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	say "could not download $orig with the expected SHA-256"
	exit 1
fi

# Debian's patches only change the sample bochsrc, the man page and how the
# BIOS images are built; the emulator builds from the original tarball.
tar -xf "$stage/src/$orig" -C "$stage/src"
srcdir=$(find "$stage/src" -mindepth 2 -maxdepth 2 -name configure -printf '%h\n' | head -n 1)
[ -n "$srcdir" ] || {
	say "no configure script in $orig"
	exit 1
}

start=$(date +%s)
say "building bochs $version with $(nproc) jobs (a few minutes)"
(cd "$srcdir" && ./configure "${configure_flags[@]}" && make -j"$(nproc)") >>"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	say "build failed; full log: $log"
	exit 1
}

new=$stage/bochs-$version
mkdir -p "$new/bin"
cp "$srcdir/bochs" "$new/bin/bochs"
{
	echo "bochs $version from Debian $suite ($mirror), built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "configure ${configure_flags[*]}"
	echo "build time $(($(date +%s) - start)) s"
} >"$new/BUILD-INFO"
cp "$log" "$new/build.log"
works "$new/bin/bochs" || {
	say "the new binary does not run; full log: $log"
	exit 1
}
rm -rf "$out"
mv -T "$new" "$out"
say "bochs $version built in $(($(date +%s) - start)) s, cached in $out"
echo "$out/bin/bochs"

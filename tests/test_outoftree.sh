#!/bin/sh
# A third-party module built out of tree against the INSTALLED headers with
# pkg-config, dropped on DCANAS_PLUGIN_PATH, loaded and used.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# `make check` installs into tests/stage first (see Makefile.am)
dest="$DCANAS_BUILDDIR/tests/stage"
pc=$(find "$dest" -name dcanas.pc | head -n 1)
[ -n "$pc" ] || { echo "dcanas.pc not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
libdir=$(dirname "$(dirname "$pc")")
mkdir -p "$tmp/mod"
# only the installed headers: no -I into the source tree
${CC:-cc} -std=c11 -Wall -Werror -shared -fPIC -o "$tmp/mod/roofline_device.so" \
	"$DCANAS_SRCDIR/examples/roofline_device.c" \
	$(pkg-config --cflags --libs dcanas) -Wl,-z,defs
echo "ok - built out of tree: $(pkg-config --cflags --libs dcanas)"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DCANAS_PLUGIN_PATH="$DCANAS_PLUGIN_PATH:$tmp/mod"
"$DCANAS_BUILDDIR/dcanas" plugins >"$tmp/plugins"
grep -E '^device +roofline_board +1\.0 +.*roofline_device\.so' "$tmp/plugins" || {
	cat "$tmp/plugins"; echo "not ok - module not listed"; exit 1; }
echo "ok - listed by dcanas plugins"
"$DCANAS_BUILDDIR/dcanas" cost --space nb201 --device roofline_board \
	--arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|' >"$tmp/cost"
grep -E '^latency +[0-9.]+ms' "$tmp/cost" || { cat "$tmp/cost"; echo "not ok - no latency"; exit 1; }
echo "ok - latency from the out-of-tree device"

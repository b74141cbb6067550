#!/bin/sh
# Broken modules on the plugin path, through the program: each is skipped
# with a warning naming the file and why, every other module keeps working,
# `dcanas plugins` lists both, and strict mode (--strict-plugins or
# DCANAS_STRICT_PLUGINS=1) makes the first one fatal.
set -u
DCANAS="$DCANAS_BUILDDIR/dcanas"
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
show() { sed 's/^/# /' "$tmp/out" "$tmp/err"; }
# check NAME FILE PATTERN: FILE (out or err) of the last run matches PATTERN
check() {
	if grep -qE -- "$3" "$tmp/$2"; then pass "$1"; else fail "$1"; show; fi
}
# check_not NAME FILE PATTERN: no line of FILE matches PATTERN
check_not() {
	if grep -qE -- "$3" "$tmp/$2"; then fail "$1"; show; else pass "$1"; fi
}
run() { "$@" >"$tmp/out" 2>"$tmp/err"; status=$?; }
ok_status() { if [ "$status" -eq 0 ]; then pass "$1"; else fail "$1 (exit $status)"; show; fi; }
err_status() { if [ "$status" -ne 0 ]; then pass "$1"; else fail "$1 (exit 0)"; show; fi; }

mkdir "$tmp/junk"
echo "this is not an ELF file" >"$tmp/junk/junk.so"
M="$DCANAS_TEST_MODULES"
# the build tree's modules first, so dup_space.la's nb201 is the duplicate
export DCANAS_PLUGIN_PATH="$DCANAS_PLUGIN_PATH:$M:$tmp/junk"
unset DCANAS_STRICT_PLUGINS
ARCH0='|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|'

run "$DCANAS" plugins
ok_status "plugins runs with broken modules on the path"
check "plugins lists the good spaces" out '^space +nb201 .*nb201_space\.la'
check "plugins lists the good constraints" out '^constraint +params '
check "plugins has a skipped section" out '^SKIPPED'
check "skipped: non-ELF file, not a shared object" out "junk\.so: cannot load module: not a shared object"
check_not "skipped: no ldd hint for a non-ELF file" out "junk\.so.*ldd"
check "skipped: unresolved symbol, with ldd -r" out "unresolved\.la: .*undefined symbol: dca_function_that_does_not_exist.*ldd -r"
check "skipped: newer ABI, both versions" out "bad_abi\.la: .*ABI 2\.0.*ABI 1\.[0-9]"
check "skipped: register function failing, with its file" out "regfail\.la: module 'regfail' failed to register: refusing on purpose"
check "skipped: duplicate name, both files" out "dup_space\.la: the space 'nb201' is already registered by .*nb201_space\.la"
check "skipped: no entry symbol" out "no_entry\.la: .*dca_module_entry"
check "skipped: no register function" out "no_register\.la: module 'no_register' has no register function"
check "skipped: newer minor ABI, both versions" out "newer_minor\.la: .*ABI 1\.[0-9]+, but this dcanas has ABI 1\.[0-9]+"
check "skipped: space without arch_parse" out "no_parse\.la: space 'no_parse' lacks arch_parse"
check "skipped: struct_size too small" out "tiny_struct\.la: constraint 'tiny' has struct_size 8.*DCA_CONSTRAINT_INIT"
check "a module built against the 1.0 headers loads" out '^space +abi10 +1\.0 +.*abi_1_0\.la'
check "its device loads" out '^device +abi10_board +1\.0 +.*abi_1_0\.la'
check "its device constraint loads" out '^constraint +abi10_latency +1\.0 +.*abi_1_0\.la'
check "a shorter struct_size loads" out '^constraint +short_size +1\.0 +.*short_struct\.la'
check_not "plugins: no half-registered constraint" out "regfail_half"
check_not "plugins: skipped modules listed, not warned about" err "warning"

run "$DCANAS" cost --space nb201 --arch "$ARCH0"
ok_status "cost runs with broken modules on the path"
check "cost still counts params" out '^params +129\.306K \(129306\)'
check "cost warns, naming the file" err "^dcanas: warning: skipping module: .*/bad_abi\.la: "
check "cost warns about the non-ELF file" err "^dcanas: warning: skipping module: .*/junk\.so: "

# the 1.0 module's space and device, through the program
run "$DCANAS" cost --space abi10 --arch 8 --device abi10_board
ok_status "cost with a 1.0 module's space and device"
check "1.0 space: params of its network" out '^params +306 \(306\)'
check "1.0 device: 1 ms per op" out '^latency +3ms'
check "cost shows the 1.0 module's own constraint" out '^abi10_ops +3 \(3\)'
check_not "1.0 device: its 1.0 arch_cost is not called" out '^latency +42ms'
check_not "1.0 device: no call through a 1.0 slot with another signature" err 'another signature'

# a 1.0 device has no network tables (its 1.0 slots are not read as them)
run "$DCANAS" devices show abi10_board
ok_status "devices show a 1.0 device"
check "devices show: the 1.0 device's own line" out '^abi10_board: a 1\.0 device'
check_not "devices show: no network tables" out 'network table'
check_not "devices show: no call through a 1.0 slot" err 'another signature'

run env DCANAS_STRICT_PLUGINS=1 "$DCANAS" plugins
err_status "DCANAS_STRICT_PLUGINS=1: plugins fails"
check "DCANAS_STRICT_PLUGINS=1: names the first broken file" err "^dcanas: .*/bad_abi\.la: "
run "$DCANAS" --strict-plugins plugins
err_status "--strict-plugins: plugins fails"
check "--strict-plugins: names the first broken file" err "^dcanas: .*/bad_abi\.la: "
run "$DCANAS" --strict-plugins cost --space nb201 --arch "$ARCH0"
err_status "--strict-plugins: cost fails"
run env DCANAS_STRICT_PLUGINS=0 "$DCANAS" plugins
ok_status "DCANAS_STRICT_PLUGINS=0: lenient"

# strict with only good modules loads normally
run env DCANAS_PLUGIN_PATH="$DCANAS_BUILDDIR/spaces" "$DCANAS" --strict-plugins plugins
ok_status "--strict-plugins with good modules"
check "--strict-plugins lists them" out '^space +nb201 '

[ "$fails" -eq 0 ]

# Sourced by tests/fuzz/cli_*.sh (with $name set): from the source tree's
# root, the built program as $D (DCANAS=PROGRAM for another), the in-tree
# modules, profiles and benchmark tables, and a temporary folder $tmp
# removed at exit.
cd "$(dirname "$0")/../.."
D=${DCANAS:-./dcanas}
[ -x "$D" ] || { echo "$name: build the tree first (make)" >&2; exit 2; }
command -v /usr/bin/python3 >/dev/null || { echo "$name: needs /usr/bin/python3" >&2; exit 2; }
: "${DCANAS_PLUGIN_PATH:=$PWD/spaces:$PWD/plugins/constraints:$PWD/plugins/devices:$PWD/plugins/optimizers}"
: "${DCANAS_PROFILE_PATH:=$PWD/devices/profiles}"
: "${DCANAS_BENCHMARK_PATH:=$PWD/data}"
: "${OPENBLAS_CORETYPE:=Haswell}"
export DCANAS_PLUGIN_PATH DCANAS_PROFILE_PATH DCANAS_BENCHMARK_PATH OPENBLAS_CORETYPE
export DCANAS_NO_SYSTEM_PLUGINS=1 OMP_WAIT_POLICY=passive
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# What a run that exited $1 broke of the first rule (never a signal, never
# past $secs seconds), or nothing
broke() {
	if [ "$1" = 137 ]; then echo "ran past $secs s"
	elif [ "$1" -gt 128 ]; then echo "signal $(($1 - 128))"; fi
}

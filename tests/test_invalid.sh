#!/bin/sh
# Bad input to the program, one case per folder of tests/invalid (as
# Jansson keeps its suites; tests/configs holds the experiment files'):
#   args   the command line, one argument per line: @DATA@ is the shared
#          data folder, @CASE@ the case's folder (its input files)
#   error  lines that must all appear in its output (stderr, then stdout)
#   env    (optional) NAME=VALUE lines; @PROFILES@ is the shipped profiles
#   status (optional) the exit status wanted, where the input is survivable
#          (a broken file skipped with a warning): else 1 (an error) or 2
#          (a usage error: a flag)
# Each must exit so — never a signal or a hang (60 s) — and say what is
# wrong. Cases reading @DATA@ skip where the data is absent.
set -u
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
D="$DCANAS_BUILDDIR/dcanas"
DATA="${DCANAS_DATA_DIR:-}"
PROFILES="$DCANAS_SRCDIR/devices/profiles"
n=0
for dir in "$DCANAS_SRCDIR"/tests/invalid/*/; do
	dir=${dir%/}
	name=${dir##*/}
	if grep -q '@DATA@' "$dir/args" && [ ! -d "$DATA/digits8x8" ]; then
		if [ "${DCANAS_REQUIRE_DATA:-}" = 1 ]; then fail "$name: no data (DCANAS_REQUIRE_DATA=1)"; fi
		echo "ok - $name # SKIP no shared data"; continue
	fi
	n=$((n + 1))
	# the arguments, substituted, as positional parameters
	set --
	while IFS= read -r a || [ -n "$a" ]; do
		a=$(printf '%s' "$a" | sed -e "s|@DATA@|$DATA|g" -e "s|@CASE@|$dir|g")
		set -- "$@" "$a"
	done <"$dir/args"
	(
		if [ -f "$dir/env" ]; then
			while IFS= read -r kv; do
				kv=$(printf '%s' "$kv" | sed -e "s|@CASE@|$dir|g" -e "s|@PROFILES@|$PROFILES|g")
				export "$kv"
			done <"$dir/env"
		fi
		cd "$tmp" && exec timeout 60 "$D" "$@"
	) >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	missing=""
	while IFS= read -r line || [ -n "$line" ]; do
		[ -z "$line" ] && continue
		line=$(printf '%s' "$line" | sed -e "s|@CASE@|$dir|g")
		cat "$tmp/err" "$tmp/out" | grep -qF -- "$line" || missing="$missing [$line]"
	done <"$dir/error"
	want="1 2"
	[ -f "$dir/status" ] && want=$(cat "$dir/status")
	case " $want " in *" $rc "*) ok_rc=1;; *) ok_rc=0;; esac
	if [ $ok_rc = 1 ] && [ -z "$missing" ]; then
		pass "$name: exit $rc, $(head -c 150 "$tmp/err" | tr '\n' ' ')"
	else
		fail "$name: exit $rc (want $want)${missing:+, output lacks$missing}"
		sed 's/^/# /' "$tmp/err" | head -5
	fi
done
[ $n -gt 0 ] || fail "no cases ran"
[ "$fails" = 0 ]

# Shared by the shell tests (sourced): a scratch folder removed at exit, TAP
# lines, and the two checks most tests are made of.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
skipped=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; fails=$((fails + 1)); }
# expect_ok NAME PATTERN CMD...: exit 0 and stdout matches PATTERN
expect_ok() {
	name=$1 pat=$2; shift 2
	if "$@" >"$tmp/out" 2>"$tmp/err" && grep -qE -- "$pat" "$tmp/out"; then pass "$name"
	else fail "$name"; sed 's/^/# /' "$tmp/out" "$tmp/err"; fi
}
# expect_err NAME PATTERN CMD...: exit non-zero and stderr matches PATTERN
expect_err() {
	name=$1 pat=$2; shift 2
	if "$@" >"$tmp/out" 2>"$tmp/err"; then fail "$name (exit 0)"; sed 's/^/# /' "$tmp/out"
	elif grep -qE -- "$pat" "$tmp/err"; then pass "$name"
	else fail "$name"; sed 's/^/# /' "$tmp/err"; fi
}

#!/bin/sh
# dcanas sweep: two budget values x two seeds of a short NAS-Bench-201
# search on digits8x8, then the table, the JSON summary and the SVG front;
# run again, finished points are kept and an interrupted one resumes.
set -u
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
D="$DCANAS_BUILDDIR/dcanas"
DIGITS="${DCANAS_DATA_DIR:-}/digits8x8"
if [ ! -r "$DIGITS/digits8x8-images-idx3-ubyte.gz" ]; then
	if [ "${DCANAS_REQUIRE_DATA:-}" = 1 ]; then echo "not ok - no digits8x8 (DCANAS_REQUIRE_DATA=1)"; exit 1; fi
	echo "# skip: no digits8x8 under DCANAS_DATA_DIR"; exit 77
fi
set -- --space nb201 --data "digits8x8:$DIGITS" --width 8 --cells 1 --search-width 4 \
	--search-cells 1 --epochs 2 --warmup 1 --batch-size 32 --select likely \
	--budget params=20K,40K --budget flops=5M --seeds 2 --threads 1 --quiet --out "$tmp/sw"
if "$D" sweep "$@" >"$tmp/out" 2>"$tmp/err"; then pass "a sweep of 2 budgets x 2 seeds runs"
else fail "a sweep runs"; sed 's/^/# /' "$tmp/out" "$tmp/err"; fi
n=$(ls -d "$tmp/sw"/params=*-seed* 2>/dev/null | wc -l)
[ "$n" = 4 ] && [ -f "$tmp/sw/params=40K-seed2/arch.json" ] && pass "one run directory per point" ||
	fail "one run directory per point ($n)"
if grep -q '| 40K | 2 |' "$tmp/sw/sweep.md" && grep -q 'params (count)' "$tmp/sw/sweep.md"; then
	pass "sweep.md tabulates the points"
else fail "sweep.md tabulates the points"; sed 's/^/# /' "$tmp/sw/sweep.md"; fi
if /usr/bin/python3 - "$tmp/sw" <<'PY' >"$tmp/py" 2>&1; then pass "$(cat "$tmp/py")"; else fail "summary and picture"; sed 's/^/# /' "$tmp/py"; fi
import json, sys
import xml.etree.ElementTree as ET
d = sys.argv[1]
s = json.load(open(d + "/sweep.json"))
pts = s["points"]
assert s["swept"] == "params" and len(pts) == 4, s
for p in pts:
    assert p["all_met"] and p["cost"] <= p["budget_value"], p
    assert p["accuracy"] is not None
front = [p for p in pts if p["front"]]
assert front, "an empty front"
for p in front:      # no point beats a front point on both
    for q in pts:
        assert not (q["cost"] <= p["cost"] and q["accuracy"] >= p["accuracy"] and
                    (q["cost"] < p["cost"] or q["accuracy"] > p["accuracy"])), (p, q)
svg = ET.parse(d + "/front.svg").getroot()
ns = "{http://www.w3.org/2000/svg}"
circles = svg.findall(ns + "circle")
budgets = [l for l in svg.findall(ns + "line") if l.get("class") == "budget"]
assert len(circles) == 4 and len(budgets) == 2, (len(circles), len(budgets))
print("sweep.json: 4 points, the front (%d) undominated; front.svg: 4 points, 2 budgets" % len(front))
PY
# again: nothing to do; then with one point interrupted (config, no result)
if "$D" sweep "$@" >"$tmp/out" 2>"$tmp/err" && [ "$(grep -c ': done' "$tmp/err")" = 4 ]; then
	pass "run again, the 4 finished points are kept"
else fail "run again, the finished points are kept"; sed 's/^/# /' "$tmp/err"; fi
rm "$tmp/sw/params=20K-seed2/arch.json"
if "$D" sweep "$@" >"$tmp/out" 2>"$tmp/err" && [ "$(grep -c ': done' "$tmp/err")" = 3 ] &&
	[ -f "$tmp/sw/params=20K-seed2/arch.json" ]; then
	pass "an interrupted point resumes, the others are kept"
else fail "an interrupted point resumes"; sed 's/^/# /' "$tmp/err"; fi
expect_err "two swept budgets are refused" "one budget is swept" \
	"$D" sweep --space nb201 --data "digits8x8:$DIGITS" --budget params=1M,2M \
	--budget flops=1M,2M --out "$tmp/x"
expect_err "--seed is the sweep's" "--seed is the sweep's to set" \
	"$D" sweep --space nb201 --data "digits8x8:$DIGITS" --budget params=1M,2M --seed 3 --out "$tmp/x"
[ "$fails" -eq 0 ]

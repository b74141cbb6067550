#!/bin/sh
# Issue 4, show (a): NAS-Bench-201 searches on CIFAR-10 under a latency budget
# at the median latency of the space on raspi4 (25.68 ms) and fpga (3.725 ms),
# for dcanas, darts and random at equal wall time. Prints, per run, the
# derived architecture, its exact latency (the device's HW-NAS-Bench table)
# against the budget, and its NAS-Bench-201 200-epoch CIFAR-10 test accuracy.
#
# One thread per search, so a second job on a 2-core machine does not skew
# the equal-time comparison.
#
# usage: bench/nb201_latency_search.sh CIFAR10_DIR OUT_DIR [SECONDS] [PER_CLASS]
set -eu
data=$1; out=$2; secs=${3:-360}; per_class=${4:-500}
: "${OPENBLAS_CORETYPE:=Haswell}"; : "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
cd "$(dirname "$0")/.."
mkdir -p "$out"
for dev in raspi4:25.68ms fpga:3.725ms; do
	name=${dev%%:*}; budget=${dev#*:}
	for opt in dcanas darts random; do
		run="$out/$name-$opt"
		[ -f "$run/arch.json" ] && continue
		rm -rf "$run"
		./dcanas search --space nb201 --optimizer "$opt" \
			--data "cifar10:$data" --per-class "$per_class" --device "$name" \
			--budget "latency=$budget" --epochs 100 --warmup 2 --k 2 \
			--search-width 8 --search-cells 2 \
			--time-limit "$secs" --threads 1 --quiet --out "$run" \
			> "$run.log" 2>&1 || echo "$run failed: see $run.log"
	done
done
printf '%-8s %-7s %-9s %-10s %-4s %-8s %-6s %s\n' device method budget latency met c10_acc time arch
for f in "$out"/*/arch.json; do
	/usr/bin/python3 - "$f" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
b = a["budgets"][0]
print("%-8s %-7s %-9s %-10.3f %-4s %-8.2f %-6.0f %s" % (a.get("device", "?"),
      a["optimizer"], b["budget_text"], b["exact"], "yes" if b["met"] else "NO",
      a["benchmark"]["nb201_test_acc_200ep"]["cifar10"], a["search_seconds"],
      a["arch"]) + ("  (repaired %d)" % len(a["repaired"]) if a["repaired"] else ""))
PY
done

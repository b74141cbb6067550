#!/bin/sh
# Issue 4, show (c): time per search step (a weight step on a training batch,
# then an architecture step on a validation batch; batch 64, 3x32x32, 10
# classes) of the nb201 (C=16, N=5) and darts (C=16, 8 cells) supernets at
# bottleneck K=1 and K=4: `dcanas search` itself (the second epoch of a
# 2-epoch search on CIFAR-10-mini, 7 steps, divided by its steps) beside the
# PyTorch 1.13 reference bench/torch_search_step.py, same thread count.
# `--select likely` skips the proxy selection, which would score candidates
# until the default 20-minute limit. Peak RSS: the process's.
#   sh bench/run_search_bench.sh CIFAR10_MINI_DIR [threads]
set -eu
cd "$(dirname "$0")/.."
data=$1; threads=${2:-2}
: "${OPENBLAS_CORETYPE:=Haswell}"; : "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
tmp=$(mktemp -d)
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE threads=$threads $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for space in nb201 darts; do
	for k in 1 4; do
		run="$tmp/$space-$k"
		/usr/bin/time -f '%M' -o "$run.rss" ./dcanas search --space "$space" \
			--data "cifar10:$data" --epochs 2 --warmup 0 --k "$k" \
			--search-width 16 --search-cells "$([ $space = darts ] && echo 8 || echo 5)" \
			--select likely --threads "$threads" --quiet --out "$run" > /dev/null 2>&1
		/usr/bin/python3 - "$run" "$space" "$k" <<'PY'
import json, sys
run, space, k = sys.argv[1:]
lines = [json.loads(l) for l in open(run + "/log.jsonl")]
steps = 500 // 64    # training half of the 1000-image set, whole batches
rss = int(open(run + ".rss").read().split()[-1]) / 1024
print(json.dumps({"impl": "dcanas", "space": space, "k": int(k),
      "ms_per_step": round(1000 * lines[1]["epoch_seconds"] / steps, 1),
      "peak_rss_mib": round(rss)}))
PY
		OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_search_step.py \
			--space "$space" --k "$k" --threads "$threads" --steps 5 --warmup 1
	done
done
rm -rf "$tmp"

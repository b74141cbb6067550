#!/bin/sh
# Issue 16, item 4: the search step (a weight step on a training batch, then
# an architecture step on a validation batch; batch 64, 3x32x32, K=4) of the
# nb201 (C=16, N=5) and darts (C=16, 8 cells) supernets, as `dcanas search`
# runs it, on this machine's cores three ways: 1 process x 1 thread, 1 process
# x 2 threads, and `mpirun -np 2` x 1 thread each (data parallel: each rank
# half of every batch, gradients summed). Step time: the second epoch of a
# 2-epoch search on CIFAR-10-mini (7 steps), divided by its steps; comm: the
# seconds rank 0 spent in collectives in that epoch (summing gradients,
# batch norm's statistics; waiting for the other rank included), per step,
# with the collectives' count and payload per step (each rank's buffer).
#   sh bench/run_mpi_bench.sh CIFAR10_MINI_DIR
set -eu
cd "$(dirname "$0")/.."
data=$1
: "${OPENBLAS_CORETYPE:=Haswell}"; : "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cores, $(mpirun --version | head -1)"
for space in nb201 darts; do
	cells=$([ $space = darts ] && echo 8 || echo 5)
	for how in "1x1" "1x2" "2x1"; do
		ranks=${how%x*} threads=${how#*x} run="$tmp/$space-$how"
		set -- ./dcanas search --space "$space" --data "cifar10:$data" --epochs 2 \
			--warmup 0 --search-width 16 --search-cells "$cells" --select likely \
			--threads "$threads" --quiet --out "$run"
		if [ "$ranks" = 1 ]; then "$@" >/dev/null 2>"$run.err"
		else mpirun --allow-run-as-root -np "$ranks" --bind-to core "$@" >/dev/null 2>"$run.err"; fi
		/usr/bin/python3 - "$run" "$space" "$ranks" "$threads" <<'PY'
import json, sys
run, space, ranks, threads = sys.argv[1:]
lines = [json.loads(l) for l in open(run + "/log.jsonl")]
steps = lines[1]["steps"]
d = lambda k: lines[1].get(k, 0) - lines[0].get(k, 0)
comm = d("comm_seconds")
print(json.dumps({"space": space, "ranks": int(ranks), "threads": int(threads),
      "ms_per_step": round(1000 * lines[1]["epoch_seconds"] / steps, 1),
      "comm_ms_per_step": round(1000 * comm / steps, 1),
      "messages_per_step": round(d("comm_messages") / steps),
      "mib_per_step": round(d("comm_bytes") / steps / 2**20, 3),
      "derived": lines[1]["derived"]}))
PY
	done
done

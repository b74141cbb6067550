#!/bin/sh
# The main job, on a fresh Debian 12 machine: install what is needed, build,
# then run a DCA-NAS search on an embedded default — Fashion-MNIST from
# Debian's dataset-fashion-mnist, a NAS-Bench-201 network of width 16 with 2
# cells per stage, under a params budget and a FLOPs budget — train the
# architecture it finds briefly, and print the architecture, its exact costs
# against the budgets, and its accuracy. A few minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
: "${OPENBLAS_CORETYPE:=Haswell}"   # OpenBLAS's generic kernel is ~3x slower
: "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
run="runs/demo-$(date +%Y%m%d-%H%M%S)"
mkdir -p runs
echo "== search (examples/fashion-mnist-demo.json) into $run"
./dcanas search examples/fashion-mnist-demo.json --out "$run" 2>&1 | tee "$run.search.log"
[ -f "$run/arch.json" ] || { echo "demo: the search failed (see above)" >&2; exit 1; }
echo; echo "== train the architecture found, briefly: 300 images per class, 3 epochs"
./dcanas train --arch-json "$run/arch.json" \
	--data fashion-mnist:/usr/share/datasets/fashion-mnist --per-class 300 \
	--epochs 3 --lr 0.05 --run-dir "$run/train" | tee "$run.train.log"
echo; echo "== the result (details: $run/arch.json, $run/log.jsonl)"
sed -n '/^architecture/,/^[^ ]/p' "$run.search.log" | grep -v '^/' || true
echo "test accuracy after brief training: $(sed -n 's/.*test acc \([0-9.]*%\).*/\1/p' "$run.train.log")"

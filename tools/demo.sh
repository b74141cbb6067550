#!/bin/sh
# The main job, on a fresh Debian 12 machine: install what is needed, build,
# then run a DCA-NAS search on an embedded default — Fashion-MNIST from
# Debian's dataset-fashion-mnist, a NAS-Bench-201 network of width 16 with 1
# cell per stage, under a params budget and a FLOPs budget — then train the
# architecture it finds and, for comparison, a random architecture within
# the same budgets, alike, and print the architecture, its exact costs
# against the budgets, and both accuracies. About 5 minutes on 2 cores.
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
echo; echo "== for comparison: a random architecture within the same budgets"
./dcanas search examples/fashion-mnist-demo.json --optimizer random --epochs 1 \
	--time-limit 0 --quiet --out "$run-random"
[ -f "$run-random/arch.json" ] || { echo "demo: sampling a random architecture failed" >&2; exit 1; }
# the same recipe for both: 2500 images per class, 3 epochs
for r in "$run" "$run-random"; do
	echo; echo "== train $(sed -n 's/^  "arch": "\(.*\)",$/\1/p' "$r/arch.json")"
	./dcanas train --arch-json "$r/arch.json" \
		--data fashion-mnist:/usr/share/datasets/fashion-mnist --per-class 2500 \
		--epochs 3 --lr 0.1 --run-dir "$r/train" | tee "$r.train.log"
done
acc() { sed -n 's/.*test acc \([0-9.]*%\).*/\1/p' "$1" | tail -n 1; }
echo; echo "== the result (details: $run/arch.json, $run/log.jsonl)"
sed -n '/^architecture/,/^[^ ]/p' "$run.search.log" | grep -v '^/\|^next:' || true
echo "Fashion-MNIST test accuracy, both trained alike (2500 images per class, 3 epochs):"
echo "  the architecture found:                          $(acc "$run.train.log")"
echo "  a random architecture within the same budgets:   $(acc "$run-random.train.log")"

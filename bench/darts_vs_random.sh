#!/bin/sh
# DARTS space (issue 10): does the search find a better network than chance
# within the same budget? One dcanas search under BUDGET, then SAMPLES
# random architectures sampled uniformly among those within the same budget, and
# all of them trained from scratch with one short recipe; the report gives
# each accuracy, the found network's rank, the random median and best, and
# the share of parameter-free ops (skips and pools) in the found cells.
#
#   sh bench/darts_vs_random.sh CIFAR10_DIR OUT_DIR
#
# Settings (environment):
#   DEVICE          (default host: this machine, measured op by op)
#   BUDGET          --budget flags (default "latency=20ms")
#   SEARCH_SECONDS  the search's time limit (default 600)
#   SAMPLES         random architectures (default 10)
#   TRAIN           the recipe, flags of dcanas train (default: 250 images a
#                   class, 10 epochs, the search's shape C=16 with 8 cells)
#   JOBS            trainings at once, 1 core each (default 2)
#   DCANAS          the program (default ./dcanas)
# Finished steps are kept: run the same command again to go on.
# The report alone: /usr/bin/python3 bench/darts_vs_random.py OUT_DIR
set -eu
data=$1; out=$2
cd "$(dirname "$0")/.."
: "${DEVICE:=host}" "${BUDGET:=latency=20ms}" "${SEARCH_SECONDS:=600}"
: "${SAMPLES:=10}" "${JOBS:=2}" "${DCANAS:=./dcanas}"
: "${TRAIN:=--per-class 250 --epochs 10 --test-every 10 --width 16 --cells 8 --lr 0.05}"
: "${OPENBLAS_CORETYPE:=Haswell}" "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
mkdir -p "$out"
budget_flags=""
for b in $BUDGET; do budget_flags="$budget_flags --budget $b"; done
common="--space darts --data cifar10:$data --device $DEVICE $budget_flags"

# 1. the search, at its defaults but for the time limit
if [ ! -f "$out/found/arch.json" ]; then
	if [ -d "$out/found" ]; then
		$DCANAS search --resume "$out/found" --quiet
	else
		$DCANAS search $common --time-limit "$SEARCH_SECONDS" \
			--out "$out/found" --quiet
	fi
fi
# 2. random architectures within the same budget (one sample each, briefly
#    trained by the random optimizer, which is what it needs to run)
i=1
while [ "$i" -le "$SAMPLES" ]; do
	r="$out/random-$i"
	[ -f "$r/arch.json" ] || { rm -rf "$r"; $DCANAS search $common --optimizer random \
		--epochs 1 --per-class 10 --batch-size 8 --time-limit 0 --seed "$i" --out "$r" --quiet; }
	i=$((i + 1))
done
# 3. every network trained alike, JOBS at a time
trainings=found
i=1
while [ "$i" -le "$SAMPLES" ]; do trainings="$trainings random-$i"; i=$((i + 1)); done
echo "$trainings" | tr ' ' '\n' | xargs -P "$JOBS" -I{} sh -c '
	r="$1/{}"
	[ -f "$r/train.log" ] && grep -q "test acc" "$r/train.log" && exit 0
	resume=""; [ -f "$r/train/checkpoint.dcaw" ] && resume=--resume
	$2 train --arch-json "$r/arch.json" --data "cifar10:$3" $4 --threads 1 \
		--run-dir "$r/train" $resume > "$r/train.log" 2>&1 ||
		echo "darts_vs_random: training {} failed (see $r/train.log)" >&2
' - "$out" "$DCANAS" "$data" "$TRAIN"
echo "recipe: $TRAIN" > "$out/recipe.txt"
/usr/bin/python3 bench/darts_vs_random.py "$out"

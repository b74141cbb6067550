#!/bin/sh
# NAS-Bench-201 regret harness (issue 10): searches on CIFAR-10 under a
# latency budget at percentiles of each device's latency table, for several
# methods at equal wall time, then a report of each search (architecture,
# exact latency, compliance, NAS-Bench-201 200-epoch CIFAR-10 accuracy, the
# best accuracy within the budget, regret, wall time) and a summary.
#
#   sh bench/nb201_regret.sh CIFAR10_DIR OUT_DIR
#
# Settings (environment):
#   DEVICES    devices with an nb201 latency table (default: the 11 shipped)
#   QUANTILES  budget percentiles of each device's latencies (default "25 50")
#   SEEDS      (default "1 2 3")
#   METHODS    any of: dcanas (the default search), dcanas-likely (no proxy
#              stage), darts-repair (first-order DARTS, argmax + repair),
#              random (random search, brief training per sample)
#              (default "dcanas darts-repair random")
#   SEARCH_SECONDS  each search's time limit, the same for every method
#              (default: unset, the search's own default)
#   JOBS       searches at once (default 1); THREADS cores each (default 2/JOBS)
#   LIMIT      start at most this many searches now (a subset; run the same
#              command again to go on: finished runs are kept, interrupted
#              ones resumed)
#   EXTRA      more flags for every search
#   DCANAS     the program (default ./dcanas; an installed copy keeps a long
#              run safe from rebuilds of this tree)
# The report alone: /usr/bin/python3 bench/nb201_regret.py report OUT_DIR [--md]
set -eu
data=$1; out=$2
cd "$(dirname "$0")/.."
: "${DEVICES:=raspi4 pixel3 eyeriss fpga 1080ti_1 1080ti_32 1080ti_256 gold_6226 silver_4210r samsung_s7 titanx_1}"
: "${QUANTILES:=25 50}" "${SEEDS:=1 2 3}" "${METHODS:=dcanas darts-repair random}"
: "${JOBS:=1}" "${LIMIT:=100000}" "${EXTRA:=}" "${SEARCH_SECONDS:=}" "${DCANAS:=./dcanas}"
: "${THREADS:=$(( 2 / JOBS > 0 ? 2 / JOBS : 1 ))}"
: "${OPENBLAS_CORETYPE:=Haswell}" "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
py=/usr/bin/python3
mkdir -p "$out"
tasks="$out/tasks.txt"
: > "$tasks"
n=0
for seed in $SEEDS; do
	for q in $QUANTILES; do
		for dev in $DEVICES; do
			budget=$($py bench/nb201_regret.py budgets "$dev" "$q")
			for m in $METHODS; do
				run="$out/$dev-p$q-$m-s$seed"
				[ -f "$run/arch.json" ] && continue
				[ "$n" -lt "$LIMIT" ] || continue
				n=$((n + 1))
				case $m in
				dcanas) flags="--optimizer dcanas" ;;
				dcanas-likely) flags="--optimizer dcanas --select likely" ;;
				darts-repair) flags="--optimizer darts --select repair" ;;
				random) flags="--optimizer random" ;;
				*) echo "nb201_regret: unknown method '$m'" >&2; exit 2 ;;
				esac
				if [ -d "$run" ]; then
					cmd="$DCANAS search --resume $run --threads $THREADS --quiet"
				else
					cmd="$DCANAS search --space nb201 --data cifar10:$data --device $dev --budget latency=${budget}ms --seed $seed $flags --threads $THREADS --quiet --out $run"
					[ -n "$SEARCH_SECONDS" ] && cmd="$cmd --time-limit $SEARCH_SECONDS"
					cmd="$cmd $EXTRA"
				fi
				# wall time of the whole command, start-up and selection included
				echo "t0=\$(date +%s.%N); $cmd > $run.log 2>&1 || echo \"$run failed: see $run.log\" >&2; awk \"BEGIN { print \$(date +%s.%N) - \$t0 }\" > $run.wall" >> "$tasks"
			done
		done
	done
done
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE jobs=$JOBS threads=$THREADS: $n searches to run ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2))"
[ "$n" -eq 0 ] || tr '\n' '\0' < "$tasks" | xargs -0 -P "$JOBS" -I{} sh -c '{}'
$py bench/nb201_regret.py report "$out"

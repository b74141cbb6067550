#!/bin/sh
# The command a user runs, timed from outside: `dcanas train` on CIFAR-10
# data beside the same training written in PyTorch (bench/torch_train.py:
# same network, batch, augmentation, optimizer, evaluation after each
# epoch), in the same run, same thread count. Both sides run for 1 and for 3
# epochs; the time per step is the difference, divided by the steps of two
# epochs, so start-up (loading, building, the first step's allocations) is
# left out. Peak RSS is the process's, from /usr/bin/time.
#   sh bench/run_train_bench.sh CIFAR10_DIR [threads] [rounds]
# CIFAR10_DIR holds CIFAR-10 binary batches (../shared/data/cifar10-mini:
# 1000 training and 200 test images). Rounds alternate the two sides; the
# summary takes medians over rounds. Needs a built tree and python3-torch.
set -eu
cd "$(dirname "$0")/.."
data=$(cd "$1" && pwd); threads=${2:-2}; rounds=${3:-3}
. bench/bench_env.sh
batch=64
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} threads=$threads batch=$batch $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "data $data"

# one timed run: SIDE NET EPOCHS; appends "side net epochs seconds rssKiB"
timed() {
	side=$1 net=$2 epochs=$3
	if [ "$net" = nb201 ]; then arch=$NB cells=5; else arch=$V2 cells=8; fi
	if [ "$side" = dcanas ]; then
		set -- ./dcanas train --space "$net" --arch "$arch" --width 16 --cells "$cells" \
			--data "cifar10:$data" --epochs "$epochs" --batch-size "$batch" \
			--threads "$threads"
	else
		set -- env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_train.py "$net" \
			"$arch" "$data" 16 "$cells" "$epochs" "$batch" "$threads"
	fi
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2>&1 ||
		{ cat "$tmp/out" >&2; exit 1; }
	echo "$side $net $epochs $(cat "$tmp/time")" | tee -a "$tmp/log"
}

r=1
while [ "$r" -le "$rounds" ]; do
	for net in nb201 darts; do
		for side in dcanas pytorch; do
			timed "$side" "$net" 1
			timed "$side" "$net" 3
		done
	done
	r=$((r + 1))
done
# steps per epoch: the training images, in whole and partial batches
n=$(/usr/bin/python3 -c "import glob,gzip,os,sys
n=0
for p in glob.glob(os.path.join(sys.argv[1], '*.bin*')):
    if 'test' not in os.path.basename(p):
        n += len((gzip.open if p.endswith('.gz') else open)(p, 'rb').read()) // 3073
print(n)" "$data")
steps=$(( (n + batch - 1) / batch ))
awk -v steps="$steps" "$AWK_MEDIAN"'
	{ k = $1 " " $2; r = ++seen[k, $3]; t[k, $3, r] = $4
	  if ($5 > rss[k, $3]) rss[k, $3] = $5 }
	END {
		printf "\nsummary: %d steps per epoch, median over %d rounds of (3-epoch time - 1-epoch time) / %d steps\n",
			steps, seen["dcanas nb201", 1], 2 * steps
		printf "%-6s %16s %17s %7s %18s %18s\n", "net", "dcanas ms/step", "PyTorch ms/step",
			"ratio", "dcanas RSS 1/3 ep", "PyTorch RSS 1/3 ep"
		split("nb201 darts", nets, " ")
		for (i = 1; i <= 2; i++) {
			for (s = 1; s <= 2; s++) {
				side = s == 1 ? "dcanas" : "pytorch"; k = side " " nets[i]
				c = seen[k, 1]
				for (r = 1; r <= c; r++) d[k, r] = (t[k, 3, r] - t[k, 1, r]) * 1000 / (2 * steps)
				ms[side] = median(d, k, c)
				mem[side] = sprintf("%d / %d MiB", rss[k, 1] / 1024, rss[k, 3] / 1024)
			}
			printf "%-6s %16.1f %17.1f %6.2fx %18s %18s\n", nets[i], ms["dcanas"],
				ms["pytorch"], ms["dcanas"] / ms["pytorch"], mem["dcanas"], mem["pytorch"]
		}
	}' "$tmp/log"

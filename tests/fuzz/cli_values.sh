#!/bin/sh
# Every numeric flag of the commands that take one, against hostile values
# (nan, inf, negative, zero, huge, overflowing, junk), on a tiny generated
# data set. A value must be refused with an error (exit 1 or 2) or accepted
# and run to the end; never a signal, a hang, or exit 0 on a value that is
# no number at all. Prints one line per case that broke a rule and fails.
#   sh tests/fuzz/cli_values.sh [SECONDS_PER_CASE]   (from the built tree;
#   `make fuzz-cli`; DCANAS=PROGRAM to try another binary)
# 624 cases, about 5 minutes on this project's 2-core machine.
set -u
name=cli_values
. "$(dirname "$0")/cli_env.sh"
secs=${1:-30}
# a tiny MNIST-format set: 30 training and 10 test images of 8x8, 3 classes
/usr/bin/python3 - "$tmp/data" <<'PY'
import os, random, struct, sys
d = sys.argv[1]; os.makedirs(d)
random.seed(1)
def write(prefix, n):
    labels = [i % 3 for i in range(n)]
    with open(os.path.join(d, prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 8, 8))
        for l in labels:
            f.write(bytes(min(255, random.randrange(64) + 60 * l) for _ in range(64)))
    with open(os.path.join(d, prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n)); f.write(bytes(labels))
write("train", 30); write("t10k", 10)
PY
A='|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|'
DATA="mnist:$tmp/data"
values='nan inf -inf -1 0 1e308 2147483648 4294967297 9223372036854775808 -2147483649 1e-320 0x10 1.5 abc 12abc @empty@'
# values that are no number: exit 0 on these is a silently dropped input
junk='nan inf -inf abc 12abc @empty@'
bad=0 n=0
run_case() {  # what flag value command...   ($raw: the value swept)
	what=$1 flag=$2 cv=$3; shift 3
	[ "$cv" = @empty@ ] && cv=
	n=$((n + 1))
	timeout -s KILL "$secs" "$@" "$flag" "$cv" >"$tmp/out" 2>&1
	rc=$?
	why=$(broke $rc)
	if [ -n "$why" ]; then :
	elif [ $rc = 0 ]; then
		case " $junk " in *" $raw "*) why="exit 0 on a value that is no number";; esac
	elif ! [ -s "$tmp/out" ]; then why="exit $rc without a message"
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		echo "BAD: $what $flag '$cv': $why"
		sed -n '1,4s/^/    /p' "$tmp/out"
	fi
}
for raw in $values; do
	v=$raw; [ "$v" = @empty@ ] && v=
	for f in --epochs --batch-size --lr --weight-decay --grad-clip --seed --width --cells \
		 --drop-path --cutout --label-smoothing --per-class --test-every --stop-after --threads; do
		run_case train "$f" "$raw" $D train --space nb201 --arch "$A" --data "$DATA" \
			--epochs 1 --width 4 --cells 1 --threads 1 --batch-size 8
	done
	for f in --arch-lr --batch-size --epochs --k --lambda-lr --lr --per-class --search-cells \
		 --search-width --seed --select-k --threads --time-limit --warmup --width --cells; do
		rm -rf "$tmp/s"
		run_case search "$f" "$raw" $D search --space nb201 --data "$DATA" --device raspi4 \
			--budget latency=30ms --epochs 2 --warmup 1 --search-width 4 --search-cells 1 \
			--batch-size 8 --time-limit 8 --threads 1 --quiet --out "$tmp/s"
	done
	for f in --cells --classes --width --threads; do
		run_case cost "$f" "$raw" $D cost --space nb201 --arch "$A" --device raspi4
	done
	run_case cost --input "3x${v}x32" $D cost --space nb201 --arch "$A" --device raspi4
	for b in "latency=${v}ms" "params=${v}" "flops=${v}M"; do
		rm -rf "$tmp/s"
		run_case search --budget "$b" $D search --space nb201 --data "$DATA" --device raspi4 \
			--epochs 1 --warmup 0 --search-width 4 --search-cells 1 --batch-size 8 \
			--time-limit 8 --threads 1 --quiet --out "$tmp/s"
	done
done
echo "cli_values: $n cases, $bad broke a rule"
[ $bad = 0 ]

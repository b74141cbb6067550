#!/bin/sh
# The exported C code on this machine, for NAS-Bench-201's best cell at
# C=16, N=5 and DARTS_V2 at C=36, 20 cells: per network, weights from a
# one-epoch `dcanas train` on DATA (the values do not change the time),
# `dcanas export --format c`, compiled with `cc -std=c99 -O2` and with
# `-O3 -march=native`, then timed by a driver running NAME_run on one
# image (median of 15 runs after 3, as the host device measures), beside
# the engine at batch 1 (`dcanas cost --device host`, 1 and 2 threads: the
# generated code runs on one). Also: the peak RSS of the driver process
# (/usr/bin/time), the arena, the constants, the object file's size.
#   sh bench/run_export_bench.sh CIFAR10_DIR [rounds]
set -eu
cd "$(dirname "$0")/.."
data=$1; rounds=${2:-3}
. bench/bench_env.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); $(cc --version | head -n 1)"

cat >"$tmp/time_main.c" <<'EOF'
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "net.h"
static float in[net_INPUT_C * net_INPUT_H * net_INPUT_W], out[net_CLASSES];
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}
int main(void)
{
	double t[15];
	struct timespec a, b;
	int i;

	for (i = 0; i < (int)(sizeof in / sizeof *in); i++)
		in[i] = (float)(i % 251) / 250.0f;
	for (i = 0; i < 3; i++)
		net_run(in, out);
	for (i = 0; i < 15; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		net_run(in, out);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) * 1e-6;
	}
	qsort(t, 15, sizeof *t, cmp);
	printf("%.3f\n", t[7]);
	return 0;
}
EOF

for net in nb201 darts; do
	if [ "$net" = nb201 ]; then arch=$NB width=16 cells=5; else arch=$V2 width=36 cells=20; fi
	d="$tmp/$net"
	./dcanas train --space "$net" --arch "$arch" --width "$width" --cells "$cells" \
		--data "cifar10:$data" --per-class 2 --epochs 1 --run-dir "$d" >/dev/null 2>&1
	./dcanas export --weights "$d/weights.dcaw" --format c --name net --out "$d/net.c" |
		sed 's/^/  /'
	for opt in "-O2" "-O3 -march=native"; do
		tag=$(echo "$opt" | tr -d ' =-')
		# shellcheck disable=SC2086
		cc -std=c99 $opt -c -o "$d/net_$tag.o" "$d/net.c"
		# shellcheck disable=SC2086
		cc -std=c99 $opt -I"$d" -o "$d/time_$tag" "$tmp/time_main.c" "$d/net_$tag.o"
		size "$d/net_$tag.o" | awk -v n="$net" -v o="$opt" 'NR == 2 {
			printf "%s %s object: text+data %d bytes, bss (the arena) %d bytes\n", n, o, $1 + $2, $3 }'
	done
	r=1
	while [ "$r" -le "$rounds" ]; do
		for opt in O2 O3marchnative; do
			/usr/bin/time -f "%M" -o "$tmp/rss" "$d/time_$opt" >"$tmp/ms"
			echo "c_$opt $net $(cat "$tmp/ms") $(cat "$tmp/rss")" | tee -a "$tmp/log"
		done
		for th in 1 2; do
			./dcanas cost --space "$net" --arch "$arch" --width "$width" --cells "$cells" \
				--device host --threads "$th" --json >"$tmp/cost"
			ms=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_measured"]["median"])' "$tmp/cost")
			echo "engine_${th}t $net $ms -" | tee -a "$tmp/log"
		done
		r=$((r + 1))
	done
done
awk "$AWK_MEDIAN"'
	{ k = $1 " " $2; c = ++n[k]; t[k, c] = $3; if ($4 != "-") rss[k] = $4 }
	END {
		printf "\nsummary: batch 1, one image, median over rounds of each median (ms)\n"
		printf "%-6s %-16s %9s %12s\n", "net", "runs as", "ms", "peak RSS KiB"
		split("nb201 darts", nets, " "); split("c_O2 c_O3marchnative engine_1t engine_2t", sides, " ")
		for (i = 1; i <= 2; i++) for (s = 1; s <= 4; s++) {
			k = sides[s] " " nets[i]
			printf "%-6s %-16s %9.2f %12s\n", nets[i], sides[s], median(t, k, n[k]),
				(k in rss) ? rss[k] : "-" }
	}' "$tmp/log"

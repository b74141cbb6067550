#!/bin/sh
# dcanas export end to end, for a NAS-Bench-201 network and a DARTS network
# (with an auxiliary head) holding every op of their spaces: trained briefly
# on cifar10-mini, exported to ONNX and to C, then checked by tools that
# share no code with dcanas — ONNX's checker and shape inference, OpenCV's
# ONNX runtime, the system C compiler — against `dcanas eval --logits` on
# 100 test images (1e-4 of the logits' size; tests/export_check.py). The C
# arena must equal `dcanas cost`'s peak_memory, the constants stay within
# the params count. Bad inputs: another architecture's weights, an unknown
# format, an unwritable output (nothing written, an existing file kept).
set -u
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
D="$DCANAS_BUILDDIR/dcanas"
data="$DCANAS_DATA_DIR/cifar10-mini"
PY=/usr/bin/python3
N=100

need() {  # need WHAT: skip without it (fail where CI requires everything)
	if [ "${DCANAS_REQUIRE_DATA:-}" = 1 ]; then
		echo "not ok - $1 is missing (DCANAS_REQUIRE_DATA=1)"; exit 1
	fi
	echo "# skip: $1 is missing"; exit 77
}
[ -f "$data/test_200.bin.gz" ] || need "cifar10-mini under DCANAS_DATA_DIR"
"$PY" -c 'import onnx, cv2, numpy' 2>/dev/null ||
	need "python3-onnx and python3-opencv (tools/install-deps.sh installs them)"

NB='|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|'
DA="Genotype(normal=[('sep_conv_5x5', 0), ('dil_conv_3x3', 1), ('dil_conv_5x5', 0), ('avg_pool_3x3', 1), ('max_pool_3x3', 2), ('skip_connect', 0), ('sep_conv_3x3', 3), ('none', 1)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('avg_pool_3x3', 1), ('sep_conv_5x5', 0), ('dil_conv_5x5', 2), ('max_pool_3x3', 1), ('sep_conv_3x3', 2), ('dil_conv_3x3', 3), ('skip_connect', 4)], reduce_concat=[2, 3, 4, 5])"

# a driver for an export named NET: logits of each raw image of FILE, or
# without FILE the arena's and the constants' sizes
cat >"$tmp/main.template" <<'EOF'
#include <stdio.h>
#include "NET.h"
int main(int argc, char **argv)
{
	static float in[NET_INPUT_C * NET_INPUT_H * NET_INPUT_W];
	float out[NET_CLASSES];
	FILE *f;
	int n = 0, j;

	if (argc < 2) {
		printf("%lu %lu\n", (unsigned long)NET_ARENA_BYTES,
		       (unsigned long)NET_WEIGHT_BYTES);
		return 0;
	}
	if (!(f = fopen(argv[1], "rb")))
		return 1;
	while (fread(in, sizeof in, 1, f) == 1) {
		NET_run(in, out);
		printf("%d", n++);
		for (j = 0; j < NET_CLASSES; j++)
			printf(" %.9g", out[j]);
		printf("\n");
	}
	return fclose(f) != 0;
}
EOF

# one network: train, eval --logits, export both ways, check
run_case() {  # run_case NET SPACE ARCH WIDTH CELLS [TRAIN FLAGS...]
	net=$1 space=$2 arch=$3 width=$4 cells=$5; shift 5
	dir="$tmp/$net"
	if ! "$D" train --space "$space" --arch "$arch" --width "$width" --cells "$cells" \
		--data "cifar10:$data" --per-class 20 --epochs 1 --threads 1 \
		--run-dir "$dir" "$@" >"$tmp/out" 2>&1; then
		fail "$net: trains"; sed 's/^/# /' "$tmp/out"; return
	fi
	"$D" eval --space "$space" --arch "$arch" --width "$width" --cells "$cells" \
		--data "cifar10:$data" --weights "$dir/weights.dcaw" --logits "$dir/engine.txt" \
		--threads 1 "$@" >/dev/null 2>"$tmp/err" ||
		{ fail "$net: eval --logits"; sed 's/^/# /' "$tmp/err"; return; }
	expect_ok "$net: export onnx (checked against the engine)" 'checked +the float network against the engine' \
		"$D" export --weights "$dir/weights.dcaw" --format onnx --out "$dir/$net.onnx"
	if "$PY" "$DCANAS_SRCDIR/tests/export_check.py" onnx "$dir/$net.onnx" \
		"$data/test_200.bin.gz" "$dir/engine.txt" $N "$dir/images.f32" >"$tmp/out" 2>&1; then
		pass "$net: $(cat "$tmp/out")"
	else fail "$net: ONNX model checked and run by cv2.dnn"; sed 's/^/# /' "$tmp/out"; fi

	expect_ok "$net: export c" "$net.h" \
		"$D" export --weights "$dir/weights.dcaw" --format c --out "$dir/$net.c"
	sed "s/NET/$net/g" "$tmp/main.template" >"$dir/main.c"
	if ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -O2 -o "$dir/run" \
		"$dir/main.c" "$dir/$net.c" >"$tmp/out" 2>&1; then
		pass "$net: the generated C compiles alone (cc -std=c99 -pedantic -Werror)"
	else fail "$net: the generated C compiles"; sed 's/^/# /' "$tmp/out"; return; fi
	"$dir/run" "$dir/images.f32" >"$dir/c.txt"
	if "$PY" "$DCANAS_SRCDIR/tests/export_check.py" logits "$dir/engine.txt" \
		"$dir/c.txt" $N >"$tmp/out" 2>&1; then pass "$net: $(cat "$tmp/out")"
	else fail "$net: generated C against the engine"; sed 's/^/# /' "$tmp/out"; fi
	set -- $("$dir/run")
	peak=$("$D" cost --space "$space" --arch "$arch" --width "$width" --cells "$cells" --json |
		sed -n 's/.*"peak_memory": \([0-9]*\).*/\1/p')
	params=$("$D" cost --space "$space" --arch "$arch" --width "$width" --cells "$cells" --json |
		sed -n 's/.*"params": \([0-9]*\).*/\1/p')
	if [ "$1" = "$peak" ]; then pass "$net: the C arena ($1 B) is dcanas cost's peak_memory"
	else fail "$net: the C arena ($1 B) is dcanas cost's peak_memory ($peak B)"; fi
	if [ "$2" -le $((4 * params)) ]; then
		pass "$net: the C constants ($2 B) fit 4 bytes a parameter ($params)"
	else fail "$net: the C constants ($2 B) fit 4 bytes a parameter ($params)"; fi
}

run_case nb nb201 "$NB" 8 1
run_case da darts "$DA" 4 5 --auxiliary

# --- examples/deploy_image.c, the program docs/deploy.md shows, on an image ---
mkdir -p "$tmp/deploy"
if "$D" export --weights "$tmp/nb/weights.dcaw" --format c --name net \
	--out "$tmp/deploy/net.c" >/dev/null 2>"$tmp/err" &&
	${CC:-cc} -std=c99 -pedantic -Wall -Werror -O2 -I"$tmp/deploy" -o "$tmp/deploy/classify" \
	"$DCANAS_SRCDIR/examples/deploy_image.c" "$tmp/deploy/net.c" 2>>"$tmp/err"; then
	want=$("$PY" "$DCANAS_SRCDIR/tests/export_check.py" ppm "$data/test_200.bin.gz" \
		"$tmp/nb/engine.txt" "$tmp/deploy/img.ppm")
	got=$("$tmp/deploy/classify" "$tmp/deploy/img.ppm" | sed -n 's/^class //p')
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		pass "examples/deploy_image.c classifies a PPM image as the engine does (class $got)"
	else fail "examples/deploy_image.c: class '$got', the engine's '$want'"; fi
else fail "examples/deploy_image.c builds with an export named net"; sed 's/^/# /' "$tmp/err"; fi

# --- int8: post-training quantization of the NB201 network ---
q="$tmp/q"
mkdir -p "$q"
expect_ok "int8 export reports the accuracy change" 'int8 +test accuracy .*float .*change' \
	"$D" export --weights "$tmp/nb/weights.dcaw" --format c --int8 --name nbq \
	--data "cifar10:$data" --calibration 64 --int8-test 100 --out "$q/nbq.c"
sed "s/NET/nbq/g" "$tmp/main.template" >"$q/main.c"
if ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$q" -o "$q/run" \
	"$q/main.c" "$q/nbq.c" >"$tmp/out" 2>&1; then
	pass "int8: the generated C compiles alone"
	"$q/run" "$tmp/nb/images.f32" >"$q/c.txt"
	if "$PY" "$DCANAS_SRCDIR/tests/export_check.py" agree "$tmp/nb/engine.txt" \
		"$q/c.txt" $N 90 >"$tmp/out" 2>&1; then pass "$(cat "$tmp/out")"
	else fail "int8 C code against the engine"; sed 's/^/# /' "$tmp/out"; fi
	set -- $("$q/run")
	peak=$("$D" cost --space nb201 --arch "$NB" --width 8 --cells 1 --json |
		sed -n 's/.*"peak_memory": \([0-9]*\).*/\1/p')
	if [ $(($1 * 4)) = "$peak" ]; then pass "int8: the arena ($1 B) is a quarter of peak_memory"
	else fail "int8: the arena ($1 B) is a quarter of peak_memory ($peak B)"; fi
else fail "int8: the generated C compiles alone"; sed 's/^/# /' "$tmp/out"; fi
expect_err "int8 needs the C format" "--int8 writes C only" \
	"$D" export --weights "$tmp/nb/weights.dcaw" --int8 --data "cifar10:$data" \
	--format onnx --out "$tmp/x.onnx"
expect_err "int8 needs calibration data" "--int8 needs --data" \
	"$D" export --weights "$tmp/nb/weights.dcaw" --int8 --format c --out "$tmp/x.c"

# --- a run's checkpoint exports too, with the data for its normalisation ---
expect_err "a checkpoint without --data asks for it" "give --data" \
	"$D" export --weights "$tmp/nb/checkpoint.dcaw" --format onnx --out "$tmp/ck.onnx"
expect_ok "a checkpoint with --data exports" 'checked +the float network against the engine' \
	"$D" export --weights "$tmp/nb/checkpoint.dcaw" --data "cifar10:$data" \
	--format onnx --out "$tmp/ck.onnx"

# --- bad inputs ---
W="$tmp/nb/weights.dcaw"
expect_err "another architecture's weights are refused, naming both" 'weights are of .*not' \
	"$D" export --weights "$W" --space nb201 --format onnx --out "$tmp/x.onnx" \
	--arch '|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|'
expect_err "another space's weights are refused" "of space 'nb201', not 'darts'" \
	"$D" export --weights "$W" --space darts --arch "$DA" --format onnx --out "$tmp/x.onnx"
expect_err "a wider network than the weights is refused, naming the array" "weights array .* is .*the network needs" \
	"$D" export --weights "$W" --width 16 --format onnx --out "$tmp/x.onnx"
expect_err "an unknown format is named" "--format must be onnx or c, not 'tflite'" \
	"$D" export --weights "$W" --format tflite --out "$tmp/x.tfl"
expect_err "C output must be a .c file" "must end in .c" \
	"$D" export --weights "$W" --format c --out "$tmp/x.onnx"
expect_err "a truncated weights file is refused" "corrupt|truncated" \
	sh -c "head -c 1000 '$W' >'$tmp/cut.dcaw' && '$D' export --weights '$tmp/cut.dcaw' --format onnx --out '$tmp/x.onnx'"
expect_err "an unwritable output is an error" "no/such/dir" \
	"$D" export --weights "$W" --format onnx --out "$tmp/no/such/dir/x.onnx"
echo keep >"$tmp/kept.onnx"
"$D" export --weights "$tmp/cut.dcaw" --format onnx --out "$tmp/kept.onnx" 2>/dev/null
if [ "$(cat "$tmp/kept.onnx")" = keep ] && [ -z "$(ls "$tmp" | grep tmp)" ]; then
	pass "a failed export leaves an existing file and no temporary file"
else fail "a failed export leaves an existing file and no temporary file"; fi

[ "$fails" -eq 0 ]

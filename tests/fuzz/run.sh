#!/bin/sh
# Fuzz dcanas's readers of untrusted input with libFuzzer (clang, Debian's
# clang package), under ASan and UBSan, from a seed corpus of valid inputs.
# A crash or sanitizer report stops the target, keeps the input (crash-*)
# in the working folder named on stdout, and makes this script fail.
#   sh tests/fuzz/run.sh TARGET [SECONDS]   (from the source tree, built)
#   sh tests/fuzz/run.sh all [SECONDS]      (every target in turn: make fuzz)
# Targets: experiment, arch-nb201, arch-darts, profile, weights, cifar10,
# cifar100, idx, image, pickle. Each target's reader is compiled into its
# harness (instrumented); the rest comes from the built library.
set -eu
cd "$(dirname "$0")/../.."
what=${1:-all}; secs=${2:-60}
targets="experiment arch-nb201 arch-darts profile weights cifar10 cifar100 idx image pickle"
if [ "$what" = all ]; then
	for t in $targets; do sh "$0" "$t" "$secs" || exit 1; done
	exit 0
fi
command -v clang >/dev/null || { echo "fuzz: clang not found (Debian: apt-get install clang)" >&2; exit 2; }
[ -f .libs/libdcanas.so ] || { echo "fuzz: build the tree first (make)" >&2; exit 2; }
out=$(mktemp -d)
mkdir -p "$out/corpus"
CC="clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I. -Iinclude $(pkg-config --cflags jansson)"
LIBS="-L.libs -ldcanas $(pkg-config --libs jansson) -lz -lm -Wl,-rpath,$PWD/.libs"
seed_py() { /usr/bin/python3 - "$out/corpus" "$@"; }
max_len=8192
case "$what" in
experiment)
	$CC -o "$out/fuzz" tests/fuzz/fuzz_experiment.c core/atomic_file.c $LIBS
	i=0
	for f in examples/*.json tests/configs/valid/*/config.json tests/configs/invalid/*/config.json; do
		i=$((i + 1)); cp "$f" "$out/corpus/seed$i"
	done;;
arch-nb201)
	$CC -DFUZZ_SPACE='"nb201"' -DDCA_BENCHMARKDIR='"'"$PWD/data"'"' -o "$out/fuzz" \
		tests/fuzz/fuzz_arch.c spaces/nb201_space.c spaces/nb201_model.c \
		spaces/nb201_table.c $LIBS
	printf '%s' '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|' >"$out/corpus/a"
	printf '%s' '|none~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|' >"$out/corpus/b";;
arch-darts)
	$CC -DFUZZ_SPACE='"darts"' -o "$out/fuzz" tests/fuzz/fuzz_arch.c spaces/darts_space.c \
		spaces/darts_genotype.c spaces/darts_net.c spaces/darts_model.c $LIBS
	printf '%s' "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])" >"$out/corpus/v2"
	printf '%s' "DARTS_V2" >"$out/corpus/name";;
profile)
	$CC -o "$out/fuzz" tests/fuzz/fuzz_profile.c plugins/devices/profile_load.c \
		plugins/devices/network_table.c plugins/devices/op_table.c core/atomic_file.c $LIBS
	# small real profiles: a shipped one cut to a few entries of each table
	seed_py devices/profiles/raspi4.json.gz devices/profiles/eyeriss.json.gz <<'PY'
import gzip, json, os, sys
out = sys.argv[1]
for i, path in enumerate(sys.argv[2:]):
    p = json.load(gzip.open(path))
    def cut(v):
        if isinstance(v, dict):
            return {k: cut(x) for k, x in list(v.items())[:6]}
        if isinstance(v, list):
            return [cut(x) for x in v[:4]]
        return v
    open(os.path.join(out, "seed%d" % i), "w").write(json.dumps(cut(p)))
PY
	max_len=65536;;
weights)
	$CC -o "$out/fuzz" tests/fuzz/fuzz_weights.c core/atomic_file.c $LIBS
	seed_py <<'PY'
import os, struct, sys, zlib
def dcaw(arrays, meta=b'{"epoch":1}'):
    b = b"DCAW" + struct.pack("<II", 1, len(meta)) + meta + struct.pack("<I", len(arrays))
    for name, shape, vals in arrays:
        b += struct.pack("<H", len(name)) + name + struct.pack("<4I", *shape)
        b += struct.pack("<%df" % len(vals), *vals)
    return b + struct.pack("<I", zlib.crc32(b))
out = sys.argv[1]
open(os.path.join(out, "a"), "wb").write(dcaw([(b"w", (1, 2, 1, 1), [1.0, -2.0]),
                                               (b"b", (1, 1, 1, 3), [0.5, 0.25, 0.125])]))
open(os.path.join(out, "b"), "wb").write(dcaw([], b"{}"))
PY
	;;
cifar10|cifar100)
	kind=$([ "$what" = cifar10 ] && echo 0 || echo 1)
	$CC -DFUZZ_CIFAR=$kind -o "$out/fuzz" tests/fuzz/fuzz_data.c core/data/gz_end.c \
		core/atomic_file.c $LIBS
	seed_py "$kind" <<'PY'
import gzip, os, sys
out, fine = sys.argv[1], sys.argv[2] == "1"
rec = lambda lab: (bytes([lab // 5, lab]) if fine else bytes([lab])) + bytes(range(256)) * 12
raw = rec(3) + rec(7)
open(os.path.join(out, "raw"), "wb").write(raw)
open(os.path.join(out, "gz"), "wb").write(gzip.compress(raw))
PY
	max_len=16384;;
idx)
	$CC -DFUZZ_IDX -o "$out/fuzz" tests/fuzz/fuzz_data.c core/data/gz_end.c \
		core/atomic_file.c $LIBS
	seed_py <<'PY'
import os, struct, sys
out = sys.argv[1]
n, h, w = 3, 4, 4
images = struct.pack(">IIII", 0x803, n, h, w) + bytes(range(n * h * w))
labels = struct.pack(">II", 0x801, n) + bytes([0, 1, 2])
cut = len(images) + 1        # the first byte says where the files split
b = bytes([round((cut - 1) * 255 / (len(images) + len(labels)))]) + images + labels
open(os.path.join(out, "seed"), "wb").write(b)
PY
	;;
image)
	$CC -DFUZZ_IMAGE -o "$out/fuzz" tests/fuzz/fuzz_data.c core/atomic_file.c $LIBS \
		$(pkg-config --libs libpng libjpeg 2>/dev/null || echo -lpng -ljpeg)
	seed_py <<'PY'
import os, sys
import cv2, numpy as np
out = sys.argv[1]
img = (np.arange(8 * 6 * 3) % 256).astype(np.uint8).reshape(8, 6, 3)
for ext in (".png", ".jpg"):
    ok, buf = cv2.imencode(ext, img)
    open(os.path.join(out, "seed" + ext), "wb").write(buf.tobytes())
ok, buf = cv2.imencode(".png", img[:, :, 0])
open(os.path.join(out, "grey.png"), "wb").write(buf.tobytes())
PY
	;;
pickle)
	$CC -o "$out/fuzz" tests/fuzz/fuzz_pickle.c core/atomic_file.c $LIBS
	# seeds: small batch files as Python 3 writes them (protocols 0, 2, 4)
	seed_py <<'PY'
import os, pickle, sys
import numpy as np
rng = np.random.default_rng(1)
for p in (0, 2, 4):
    d = rng.integers(0, 256, size=(2, 768), dtype=np.uint8)
    with open(os.path.join(sys.argv[1], "seed%d" % p), "wb") as f:
        pickle.dump({"data": d, "labels": [3, 125]}, f, protocol=p)
PY
	;;
*)
	echo "usage: $0 all|$(echo $targets | tr ' ' '|') [SECONDS]" >&2; exit 2;;
esac
# inputs that once broke a target (tests/fuzz/regress/TARGET-*) start its
# corpus, so each is run again first
for f in tests/fuzz/regress/"$what"-*; do
	[ -f "$f" ] && cp "$f" "$out/corpus/regress-${f##*/}"
done
echo "fuzz: $what for $secs s (corpus and any crash input in $out)"
cd "$out"
if ./fuzz -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 \
	-print_final_stats=1 corpus >log 2>&1; then
	grep -E '^stat::number_of_executed_units' log | sed "s/^/fuzz: $what: /"
	cd / && rm -rf "$out"
else
	tail -40 log
	echo "fuzz: $what FAILED: the input is in $out (crash-*)" >&2
	exit 1
fi

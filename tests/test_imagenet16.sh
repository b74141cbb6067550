#!/bin/sh
# ImageNet16-120 (--data imagenet16:DIR): batch files written here the way
# the published ones were (a Python 2 pickle, the pixels as a str) and the
# way Python 3 writes them (protocols 0, 2 and 4, numpy arrays), with labels
# 1..130 so that some fall outside the 120 classes. dcanas must keep
# exactly the images labelled 1..120, as 3 planes of 16x16: the per-channel
# mean it stores with the weights is compared with numpy's over the same
# images. Corrupt files: cut short, a label of 0.
set -u
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
D="$DCANAS_BUILDDIR/dcanas"
PY=/usr/bin/python3
if ! "$PY" -c 'import numpy' 2>/dev/null; then
	if [ "${DCANAS_REQUIRE_DATA:-}" = 1 ]; then echo "not ok - python3-numpy missing"; exit 1; fi
	echo "# skip: python3-numpy is missing"; exit 77
fi

# make DIR PROTOCOL: 10 training batches and val_data; prints the expected
# train count, test count and per-channel mean of the kept training images
make_set() {
	"$PY" - "$1" "$2" <<'PY'
import os, pickle, struct, sys
import numpy as np
root, proto = sys.argv[1], sys.argv[2]
os.makedirs(root, exist_ok=True)
rng = np.random.default_rng(7)

def py2_pickle(data, labels):
    """{'data': ndarray, 'labels': [...]} as Python 2's cPickle writes it
    at protocol 2: the array's bytes are a str (BINSTRING)."""
    n, c = data.shape
    out = bytearray(b"\x80\x02}q\x00(U\x04dataq\x01")
    out += b"cnumpy.core.multiarray\n_reconstruct\nq\x02cnumpy\nndarray\nq\x03"
    out += b"K\x00\x85q\x04U\x01b\x87q\x05Rq\x06(K\x01"
    out += b"J" + struct.pack("<i", n) + b"M" + struct.pack("<H", c) + b"\x86q\x07"
    out += b"cnumpy\ndtype\nq\x08U\x02u1K\x00K\x01\x87Rq\t(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    out += b"\x89T" + struct.pack("<I", n * c) + data.tobytes() + b"tbU\x06labelsq\n]q\x0b("
    for l in labels:
        out += b"K" + bytes([l])
    out += b"eu."
    return bytes(out)

kept = []
ntest = 0
for name in ["train_data_batch_%d" % i for i in range(1, 11)] + ["val_data"]:
    n = 25
    data = rng.integers(0, 256, size=(n, 768), dtype=np.uint8)
    labels = [int(x) for x in rng.integers(1, 131, size=n)]
    if name == "val_data":
        ntest = sum(1 for l in labels if l <= 120)
    else:
        kept += [data[i] for i in range(n) if labels[i] <= 120]
    with open(os.path.join(root, name), "wb") as f:
        if proto == "py2":
            f.write(py2_pickle(data, labels))
        else:
            pickle.dump({"data": data, "labels": labels, "mean": np.zeros(3)}, f,
                        protocol=int(proto))
k = np.stack(kept).reshape(-1, 3, 256).astype(np.float64) / 255.0
print(len(kept), ntest, " ".join("%.6f" % v for v in k.mean(axis=(0, 2))))
PY
}

NB='|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|'
for proto in py2 0 2 4; do
	dir="$tmp/in16-$proto"
	set -- $(make_set "$dir" "$proto")
	want_train=$1 want_test=$2 m0=$3 m1=$4 m2=$5
	if "$D" train --space nb201 --arch "$NB" --width 4 --cells 1 --epochs 1 --threads 1 \
		--data "imagenet16:$dir" --run-dir "$tmp/run-$proto" >"$tmp/out" 2>"$tmp/err" &&
		grep -q "$want_train train / $want_test test images" "$tmp/err"; then
		pass "pickle $proto: the $want_train training and $want_test test images labelled 1..120"
	else fail "pickle $proto: reads the images labelled 1..120"; sed 's/^/# /' "$tmp/out" "$tmp/err"; continue; fi
	got=$("$PY" -c 'import sys
b = open(sys.argv[1], "rb").read()
import json
n = int.from_bytes(b[8:12], "little")
m = json.loads(b[12:12 + n])
print(m["classes"], " ".join("%.6f" % v for v in m["input"]["mean"]))' "$tmp/run-$proto/weights.dcaw")
	set -- $got
	if [ "$1" = 120 ] && "$PY" -c "import sys; sys.exit(0 if max(abs($2-$m0), abs($3-$m1), abs($4-$m2)) < 1e-4 else 1)"; then
		pass "pickle $proto: 120 classes, channel means $2 $3 $4 as numpy's"
	else fail "pickle $proto: classes $1, means $2 $3 $4, numpy's $m0 $m1 $m2"; fi
done

# corrupt files
dir="$tmp/in16-4"
head -c 5000 "$dir/train_data_batch_3" >"$tmp/cut" && cp "$tmp/cut" "$dir/train_data_batch_3"
expect_err "a batch file cut short is named" "train_data_batch_3: .*truncated" \
	"$D" train --space nb201 --arch "$NB" --width 4 --cells 1 --epochs 1 --data "imagenet16:$dir"
dir="$tmp/in16-py2"
"$PY" - "$dir/val_data" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.rindex(b"]q\x0b(") + 4      # the first label's K opcode
b[i + 1] = 0
open(sys.argv[1], "wb").write(bytes(b))
PY
expect_err "a label of 0 is named" "val_data: malformed: image 0 has label 0, expected 1..1000" \
	"$D" train --space nb201 --arch "$NB" --width 4 --cells 1 --epochs 1 --data "imagenet16:$dir"
expect_err "a folder without the batch files" "train_data_batch_1: cannot open" \
	"$D" train --space nb201 --arch "$NB" --epochs 1 --data "imagenet16:$tmp"
[ "$fails" -eq 0 ]

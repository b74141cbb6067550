#!/bin/sh
# Bring your own images: a folder of JPEG and PNG files per class (written
# here with OpenCV from cifar10-mini's images, larger than the network's
# input and of mixed sizes, plus a corrupt file), searched, trained,
# evaluated and exported through the commands a user types, at an input
# size of the user's choice. The readers themselves are tested in
# test_data.c (folder_images).
set -u
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
D="$DCANAS_BUILDDIR/dcanas"
data="$DCANAS_DATA_DIR/cifar10-mini"
PY=/usr/bin/python3

need() {
	if [ "${DCANAS_REQUIRE_DATA:-}" = 1 ]; then
		echo "not ok - $1 is missing (DCANAS_REQUIRE_DATA=1)"; exit 1
	fi
	echo "# skip: $1 is missing"; exit 77
}
[ -f "$data/train_1000.bin.gz" ] || need "cifar10-mini under DCANAS_DATA_DIR"
"$PY" -c 'import cv2, numpy' 2>/dev/null || need "python3-opencv (tools/install-deps.sh installs it)"

# 4 classes of cifar10-mini, 30 training and 10 test images each, written
# at 48x40 (JPEG) or 40x40 (PNG); one corrupt file
"$PY" - "$data" "$tmp/imgs" <<'PY'
import gzip, os, sys
import cv2, numpy as np
src, root = sys.argv[1], sys.argv[2]
names = ["airplane", "automobile", "bird", "cat"]
for split, f, per in (("train", "train_1000.bin.gz", 30), ("test", "test_200.bin.gz", 10)):
    rec = np.frombuffer(gzip.open(os.path.join(src, f)).read(), np.uint8).reshape(-1, 3073)
    count = {}
    for r in rec:
        c = int(r[0])
        if c >= len(names) or count.get(c, 0) >= per:
            continue
        count[c] = count.get(c, 0) + 1
        d = os.path.join(root, split, names[c])
        os.makedirs(d, exist_ok=True)
        bgr = r[1:].reshape(3, 32, 32).transpose(1, 2, 0)[:, :, ::-1]
        i = count[c]
        if i % 2:
            cv2.imwrite(os.path.join(d, "%03d.jpg" % i), cv2.resize(bgr, (48, 40)))
        else:
            cv2.imwrite(os.path.join(d, "%03d.png" % i), cv2.resize(bgr, (40, 40)))
open(os.path.join(root, "train", "cat", "broken.jpg"), "wb").write(b"\xff\xd8\xff\xe0 not really")
# a PNG whose header claims 20000x20000 pixels (1.2 GB to decode)
import struct, zlib
chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
open(os.path.join(root, "train", "cat", "huge.png"), "wb").write(
    b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 600)) + chunk(b"IEND", b""))
PY
[ -d "$tmp/imgs/train/cat" ] || { echo "not ok - writing the image folder"; exit 1; }
NB='|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|'

if "$D" train --space nb201 --arch "$NB" --width 8 --cells 1 --data "folder:$tmp/imgs" \
	--input 3x24x24 --epochs 2 --threads 1 --run-dir "$tmp/run" >"$tmp/out" 2>"$tmp/err"; then
	pass "train on an image folder at --input 3x24x24"
else fail "train on an image folder"; sed 's/^/# /' "$tmp/out" "$tmp/err"; fi
if grep -q "warning: skipping .*broken.jpg" "$tmp/err"; then
	pass "a corrupt image is skipped with a warning naming it"
else fail "a corrupt image is skipped with a warning naming it"; sed 's/^/# /' "$tmp/err"; fi
if grep -q "warning: skipping .*huge.png: an image of 20000x20000 pixels: more than dcanas decodes" "$tmp/err"; then
	pass "an image too large to decode is skipped with a warning naming it"
else fail "an image too large to decode is skipped"; sed 's/^/# /' "$tmp/err"; fi
if grep -qE "120 train / 40 test images" "$tmp/err"; then
	pass "every good image is read (120 train, 40 test)"
else fail "every good image is read"; sed 's/^/# /' "$tmp/err"; fi
# beyond the in-memory limit the decoded images live in a file on disk,
# with the same results
if DCANAS_DATA_MEMORY=1K DCANAS_DATA_CACHE_DIR="$tmp" "$D" train --space nb201 --arch "$NB" \
	--width 8 --cells 1 --data "folder:$tmp/imgs" --input 3x24x24 --epochs 2 --threads 1 \
	--run-dir "$tmp/run-disk" >"$tmp/out" 2>"$tmp/err" &&
   grep -q "do not fit the 0 MB kept in memory .*kept in a file in $tmp" "$tmp/err" &&
   [ -z "$(ls "$tmp" | grep dcanas-images)" ] &&
   cmp -s "$tmp/run/weights.dcaw" "$tmp/run-disk/weights.dcaw"; then
	pass "images beyond DCANAS_DATA_MEMORY are read from a file on disk, to the same weights"
else fail "images beyond DCANAS_DATA_MEMORY on disk"; sed 's/^/# /' "$tmp/out" "$tmp/err"; fi
expect_err "a malformed DCANAS_DATA_MEMORY is an error naming it" "DCANAS_DATA_MEMORY=lots is not a size" \
	env DCANAS_DATA_MEMORY=lots "$D" train --space nb201 --arch "$NB" --data "folder:$tmp/imgs" --epochs 1
expect_err "a data cache folder that does not exist is an error naming it" \
	"cannot create a file for the decoded images in $tmp/nowhere" \
	env DCANAS_DATA_MEMORY=0 DCANAS_DATA_CACHE_DIR="$tmp/nowhere" "$D" train --space nb201 \
	--arch "$NB" --data "folder:$tmp/imgs" --epochs 1
expect_ok "eval on the folder's test split" 'test accuracy .* on 40 images' \
	"$D" eval --space nb201 --arch "$NB" --width 8 --cells 1 --data "folder:$tmp/imgs" \
	--input 3x24x24 --weights "$tmp/run/weights.dcaw"
expect_ok "export the folder-trained network (24x24 input)" 'checked +the float network' \
	"$D" export --weights "$tmp/run/weights.dcaw" --format c --out "$tmp/net.c"
grep -q "net_INPUT_H 24" "$tmp/net.h" && pass "the exported network takes 24x24 images" ||
	fail "the exported network takes 24x24 images"
expect_ok "a short search on the folder" 'arch\.json' \
	"$D" search --space nb201 --data "folder:$tmp/imgs" --input 3x16x16 --budget params=100K \
	--search-width 4 --search-cells 1 --epochs 2 --warmup 1 --batch-size 16 --select likely \
	--threads 1 --quiet --out "$tmp/search"
expect_err "--input does not resize CIFAR-10" "only folder data is resized" \
	"$D" train --space nb201 --arch "$NB" --data "cifar10:$data" --input 3x16x16 --epochs 1
mkdir -p "$tmp/imgs/train/dog"
expect_err "an empty class folder is an error naming it" "train/dog: a class folder without images" \
	"$D" train --space nb201 --arch "$NB" --data "folder:$tmp/imgs" --epochs 1
[ "$fails" -eq 0 ]

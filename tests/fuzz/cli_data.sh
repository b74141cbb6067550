#!/bin/sh
# Corrupt data sets through the program: each file of a small valid set of
# every kind dcanas reads (CIFAR-10 binary, gzip or not; MNIST IDX; an
# image folder), truncated, cut to nothing, its bytes flipped in the header
# and in the body, junk appended; then `dcanas train` for one epoch on it.
# Each must be read or refused with a message naming the problem: never a
# signal, a hang, or an exit without a message. Prints the cases that
# broke a rule and fails.
#   sh tests/fuzz/cli_data.sh [SECONDS_PER_CASE]   (from the built tree;
#   `make fuzz-cli`; DCANAS=PROGRAM to try another binary)
set -u
name=cli_data
. "$(dirname "$0")/cli_env.sh"
secs=${1:-30}
# the valid sets, small, written here (the same layout the readers expect),
# and one folder per corrupt variant: KIND NAME (the file mutated)
/usr/bin/python3 - "$tmp" <<'PY'
import gzip, os, random, shutil, struct, sys, zlib
root = sys.argv[1]
rnd = random.Random(7)
def idx(d):
    os.makedirs(d, exist_ok=True)
    for prefix, n in (("train", 40), ("t10k", 20)):
        labels = [i % 4 for i in range(n)]
        img = struct.pack(">IIII", 0x803, n, 8, 8) + bytes(rnd.randrange(256) for _ in range(n * 64))
        lab = struct.pack(">II", 0x801, n) + bytes(labels)
        gz = prefix == "train"      # one split gzip, the other plain
        for name, data in ((prefix + "-images-idx3-ubyte", img), (prefix + "-labels-idx1-ubyte", lab)):
            if gz:
                with gzip.open(os.path.join(d, name + ".gz"), "wb") as f: f.write(data)
            else:
                open(os.path.join(d, name), "wb").write(data)
def cifar(d):
    os.makedirs(d, exist_ok=True)
    for name, n in [("data_batch_%d.bin" % i, 8) for i in range(1, 6)] + [("test_batch.bin", 20)]:
        rec = b"".join(bytes([i % 4]) + bytes(rnd.randrange(256) for _ in range(3072)) for i in range(n))
        if name.startswith("data"):
            with gzip.open(os.path.join(d, name + ".gz"), "wb") as f: f.write(rec)
        else:
            open(os.path.join(d, name), "wb").write(rec)
def png(w, h, c):
    raw = b"".join(b"\0" + bytes(rnd.randrange(256) for _ in range(w * c)) for _ in range(h))
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, {1: 0, 3: 2, 4: 6}[c], 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
def folder(d):
    for split, n in (("train", 6), ("val", 2)):
        for cls in ("a", "b"):
            os.makedirs(os.path.join(d, split, cls), exist_ok=True)
            for i in range(n):
                open(os.path.join(d, split, cls, "%d.png" % i), "wb").write(png(12, 10, (1, 3, 4)[i % 3]))
def mutate(data, how):
    b = bytearray(data)
    if how == "empty": return b""
    if how == "less1": return bytes(b[:-1])
    if how.startswith("cut"):
        return bytes(b[: len(b) * int(how[3:]) // 100])
    if how == "junk": return bytes(b) + bytes(rnd.randrange(256) for _ in range(97))
    if how.startswith("head"):
        for _ in range(int(how[4:])):
            if len(b): b[rnd.randrange(min(len(b), 32))] ^= 1 << rnd.randrange(8)
        return bytes(b)
    if how.startswith("body"):
        for _ in range(int(how[4:])):
            if len(b): b[rnd.randrange(len(b))] = rnd.randrange(256)
        return bytes(b)
    raise SystemExit(how)
hows = ["empty", "less1", "cut10", "cut50", "cut99", "junk", "head1", "head4", "body3", "body40"]
cases = []
for kind, make in (("mnist", idx), ("cifar10", cifar), ("folder", folder)):
    good = os.path.join(root, kind + "-good")
    make(good)
    files = sorted(os.path.relpath(os.path.join(p, f), good) for p, _, fs in os.walk(good) for f in fs)
    if kind == "folder":      # two images of each split are enough
        files = [f for f in files if f.endswith("0.png") and "/a/" in f]
    if kind == "cifar10":     # one training batch (gzip) and the test one
        files = [f for f in files if f.startswith(("data_batch_1", "test"))]
    for f in files:
        for how in hows:
            d = os.path.join(root, "%s-%d" % (kind, len(cases)))
            shutil.copytree(good, d)
            p = os.path.join(d, f)
            data = open(p, "rb").read()
            open(p, "wb").write(mutate(data, how))
            cases.append("%s %s %s:%s" % (kind, d, f, how))
open(os.path.join(root, "cases"), "w").write("\n".join(cases) + "\n")
PY
A='|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|'
bad=0 n=0
for kind in mnist cifar10 folder; do   # the valid sets train
	extra=
	[ "$kind" = folder ] && extra="--input 3x8x8"
	if ! timeout "$secs" "$D" train --space nb201 --arch "$A" --data "$kind:$tmp/$kind-good" $extra \
		--epochs 1 --width 4 --cells 1 --batch-size 8 --threads 1 >"$tmp/out" 2>&1; then
		bad=$((bad + 1)); echo "BAD: the valid $kind set does not train"; sed 's/^/    /' "$tmp/out"
	fi
done
while read -r kind dir what; do
	n=$((n + 1))
	extra=
	[ "$kind" = folder ] && extra="--input 3x8x8"
	timeout -s KILL "$secs" "$D" train --space nb201 --arch "$A" --data "$kind:$dir" $extra \
		--epochs 1 --width 4 --cells 1 --batch-size 8 --threads 1 >"$tmp/out" 2>&1
	rc=$?
	why=$(broke $rc)
	if [ -n "$why" ]; then :
	elif [ $rc != 0 ] && ! grep -q "dcanas" "$tmp/out"; then why="exit $rc without a message"
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		echo "BAD: $kind $what: $why"
		sed -n '1,4s/^/    /p' "$tmp/out"
	fi
	[ -n "${CLI_DATA_LOG:-}" ] && echo "$kind $what exit $rc: $(head -c 160 "$tmp/out" | tr '\n' ' ')" >>"$CLI_DATA_LOG"
	rm -rf "$dir"
done <"$tmp/cases"
echo "cli_data: $n cases, $bad broke a rule"
[ $bad = 0 ] && [ $n -gt 0 ]

#!/bin/sh
# Fuzz one of dcanas's parsers of untrusted files with libFuzzer (clang,
# Debian's clang package), under ASan and UBSan, from a seed corpus of
# valid files; a crash or sanitizer report stops it and leaves the input in
# the working folder. Not part of make check (it runs for as long as asked).
#   sh tests/fuzz/run.sh pickle [SECONDS]      (from the source tree, built)
set -eu
cd "$(dirname "$0")/../.."
what=${1:-pickle}; secs=${2:-60}
out=$(mktemp -d)
case "$what" in
pickle)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I. -Iinclude $(pkg-config --cflags jansson) -o "$out/fuzz" \
		tests/fuzz/fuzz_pickle.c core/atomic_file.c -L.libs -ldcanas \
		-Wl,-rpath,"$PWD/.libs"
	mkdir -p "$out/corpus"
	# seeds: small batch files as Python 3 writes them (protocols 0, 2, 4)
	/usr/bin/python3 - "$out/corpus" <<'PY'
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
	echo "usage: $0 pickle [SECONDS]" >&2; exit 2;;
esac
echo "fuzzing $what for $secs s (corpus and any crash input in $out)"
"$out/fuzz" -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 "$out/corpus"

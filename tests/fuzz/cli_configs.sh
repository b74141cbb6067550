#!/bin/sh
# Experiment files through the program: a small valid experiment with each
# of its values in turn replaced by a hostile one (null, true, "", junk
# text, negative, zero, huge, overflowing, a denormal, [], {}, units that
# do not fit) or removed — about 600 files. `dcanas check-config` must
# accept or refuse each with a message, never a signal or a hang; and what
# it accepts, `dcanas search` must not refuse for a reason the file alone
# shows (only for what needs the data: a path that is not there, too few
# images for a batch). Prints the cases that broke a rule and fails.
#   sh tests/fuzz/cli_configs.sh [SECONDS_PER_CASE]   (from the built tree;
#   `make fuzz-cli`; DCANAS=PROGRAM to try another binary; needs the
#   shared data's digits8x8, DCANAS_DATA_DIR or ../shared/data)
set -u
name=cli_configs
. "$(dirname "$0")/cli_env.sh"
secs=${1:-60}
DATA=${DCANAS_DATA_DIR:-../shared/data}
[ -d "$DATA/digits8x8" ] || { echo "cli_configs: no digits8x8 in $DATA (set DCANAS_DATA_DIR)" >&2; exit 2; }
DATA=$(cd "$DATA" && pwd)
mkdir "$tmp/c"
/usr/bin/python3 - "$tmp/c" "$DATA/digits8x8" <<'PY'
import copy, json, sys
out, data = sys.argv[1], sys.argv[2]
base = {"space": {"name": "nb201", "width": 4, "cells": 1, "search_width": 4, "search_cells": 1},
        "optimizer": {"name": "dcanas", "epochs": 2, "warmup_epochs": 1, "batch_size": 16,
                      "seed": 1, "time_limit": 8, "select": "likely"},
        "data": {"dataset": "digits8x8", "path": data, "val_fraction": 0.5, "per_class": 10},
        "device": "raspi4",
        "constraints": [{"name": "params", "max": "1M"}, {"name": "latency", "max": "30ms"}]}
hostile = [None, True, "", "x", "1e308", -1, 0, 1e308, 2**31, 2**63, -2**31 - 1, 1.5, 1e-320,
           [], {}, [1], "nan", "30", "30ms", "1e999G", "-5ms", "0ms"]
paths = []
def walk(o, p):
    items = o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else ()
    for k, v in items:
        paths.append(p + [k])
        walk(v, p + [k])
walk(base, [])
n = 0
def write(c):
    global n
    json.dump(c, open("%s/%04d.json" % (out, n), "w"))
    n += 1
write(base)
for p in paths:
    for h in hostile + ["<removed>"]:
        c = copy.deepcopy(base)
        o = c
        for k in p[:-1]:
            o = o[k]
        if h == "<removed>":
            del o[p[-1]]
        else:
            o[p[-1]] = h
        write(c)
PY
# the reasons search may give that the file alone does not show
data_only='too few for batches|cannot open|no data to search on|no such file|not found at'
bad=0 n=0 accepted=0
for f in "$tmp"/c/*.json; do
	n=$((n + 1))
	timeout -s KILL "$secs" "$D" check-config "$f" >"$tmp/out" 2>&1
	rc=$?
	why=$(broke $rc)
	if [ -n "$why" ]; then why="check-config: $why"
	elif [ $rc != 0 ] && ! [ -s "$tmp/out" ]; then why="check-config: exit $rc without a message"
	elif [ $rc = 0 ]; then
		accepted=$((accepted + 1))
		rm -rf "$tmp/run"
		timeout -s KILL "$secs" "$D" search "$f" --threads 1 --quiet --out "$tmp/run" >"$tmp/out" 2>&1
		rc=$?
		why=$(broke $rc)
		if [ -n "$why" ]; then why="search: $why"
		elif [ $rc != 0 ] && ! grep -qE "$data_only" "$tmp/out"; then
			why="check-config accepts it, search refuses it (exit $rc)"
		fi
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		echo "BAD: $why: $(cat "$f")"
		sed -n '1,3s/^/    /p' "$tmp/out"
	fi
done
echo "cli_configs: $n files, $accepted accepted by check-config, $bad broke a rule"
[ $bad = 0 ] && [ $accepted -gt 0 ]

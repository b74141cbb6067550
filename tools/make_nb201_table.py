#!/usr/bin/env python3
"""Make data/nb201_test_acc.json.gz: the NAS-Bench-201 200-epoch test
accuracies that `dcanas search` reports beside an nb201 result.

Input: the project's shared benchmark file nb201_metrics.json.gz (see
../shared/data/README.md for its sources: NATS-Bench / NAS-Bench-201 figures
via GitHub v-tao/nats-bench-landscape nats_bench.csv). Only the index and the
three 200-epoch test accuracies are kept.

usage: tools/make_nb201_table.py ../shared/data/nb201/nb201_metrics.json.gz data/nb201_test_acc.json.gz
"""
import gzip
import json
import sys


def main(src, dst):
    with gzip.open(src, "rt") as f:
        metrics = json.load(f)
    archs = {}
    for text, entry in metrics["archs"].items():
        archs[text] = {"index": entry["index"]}
        for ds in ("cifar10", "cifar100", "ImageNet16-120"):
            archs[text][ds] = round(entry[ds]["test_acc"], 4)
    out = {
        "_meta": {
            "description": "NAS-Bench-201 200-epoch test accuracy (%), mean over "
                           "the benchmark's seeds, keyed by arch string",
            "source": "NATS-Bench / NAS-Bench-201 (Dong et al.), via GitHub "
                      "v-tao/nats-bench-landscape nats_bench.csv blob "
                      "a15806cde5e774239a51874d4ba1db74950a5127; see docs/benchmarks.md",
            "count": len(archs),
        },
        "archs": archs,
    }
    with gzip.GzipFile(dst, "wb", mtime=0) as f:
        f.write(json.dumps(out, sort_keys=True, separators=(",", ":")).encode())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

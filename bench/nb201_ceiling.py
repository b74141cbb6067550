#!/usr/bin/python3
"""How close can a selection come to the best NAS-Bench-201 network within a
device latency budget, given a ranking signal? For the budgets of
bench/nb201_regret.sh (percentiles of each device's latency table), the
regret of taking, among ALL architectures within the budget, the best by:

  12ep-test    its 12-epoch CIFAR-10 test accuracy (NAS-Bench-201 "hp=12")
  12ep-valid   its 12-epoch cifar10-valid validation accuracy
  flops        its FLOPs (the largest network that fits)

i.e. what an oracle that had trained every feasible architecture for 12
epochs on all of CIFAR-10 would achieve; no search in 20 CPU-minutes has
more information than that. Reads the shared data's metrics file (not
shipped with dcanas):

  /usr/bin/python3 bench/nb201_ceiling.py [../shared/data/nb201/nb201_metrics.json.gz]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nb201_regret  # noqa: E402  (profiles and budgets, one definition)

import gzip  # noqa: E402
import json  # noqa: E402

DEVICES = ["raspi4", "pixel3", "eyeriss", "fpga", "1080ti_1", "1080ti_32",
           "1080ti_256", "gold_6226", "silver_4210r", "samsung_s7", "titanx_1"]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        nb201_regret.TOP, "..", "shared", "data", "nb201", "nb201_metrics.json.gz")
    with gzip.open(path, "rt") as f:
        m = json.load(f)["archs"]
    signals = {
        "12ep-test": lambda a: m[a]["cifar10"]["test_acc_12ep"],
        "12ep-valid": lambda a: m[a]["cifar10-valid"]["valid_acc_12ep"],
        "flops": lambda a: m[a]["cifar10"]["flops_M"],
    }
    regret = {k: [] for k in signals}
    print("%-13s %-4s %-9s %-6s %s" % ("device", "q", "budget", "oracle",
                                       "  ".join("%-10s" % k for k in signals)))
    for dev in DEVICES:
        t = nb201_regret.latency_table(dev)
        for q in (25, 50):
            b = nb201_regret.budget(t, q)
            feas = [a for a in t if t[a] <= b]
            acc = lambda a: m[a]["cifar10"]["test_acc"]  # noqa: E731
            oracle = max(acc(a) for a in feas)
            row = []
            for k, f in signals.items():
                r = oracle - acc(max(feas, key=f))
                regret[k].append(r)
                row.append("%-10.2f" % r)
            print("%-13s p%-3d %-9s %-6.2f %s" % (dev, q, nb201_regret.fmt_ms(b),
                                                   oracle, "  ".join(row)))
    print()
    for k, v in regret.items():
        print("%-11s mean regret %.2f  worst %.2f" % (k, sum(v) / len(v), max(v)))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""What each vote of the selection stage adds (issue 10's ablation), from
the scores the searches of bench/nb201_regret.sh recorded.

  nb201_selection_ablation.py OUT_DIR

Every dcanas search (optimizer dcanas, select proxy) writes the candidates
it scored and their four scores to arch.json (selection.scores: naswot,
synflow, macs, loglik). This re-runs the choice — the highest mean rank
among the scored candidates — with each subset of the votes, and prints the
mean and worst regret of each subset over the same searches, beside what the
searches chose. "loglik" alone is the most likely architecture within the
budget (select "likely" on the same scored set). The NAS-Bench-201 accuracy
table is read here, for the report, and by nothing a search runs."""
import bisect
import glob
import gzip
import json
import os
import sys

VOTES = ("naswot", "synflow", "macs", "loglik")
SUBSETS = {
    "all four (the default)": VOTES,
    "without loglik": ("naswot", "synflow", "macs"),
    "without macs": ("naswot", "synflow", "loglik"),
    "without naswot": ("synflow", "macs", "loglik"),
    "without synflow": ("naswot", "macs", "loglik"),
    "naswot + synflow": ("naswot", "synflow"),
    "loglik only (most likely)": ("loglik",),
}
HERE = os.path.dirname(os.path.abspath(__file__))


def ranks(values):
    """each value's rank in [0, 1], ties sharing the mean rank"""
    s, n = sorted(values), len(values)
    if n < 2:
        return [0.5] * n
    return [((bisect.bisect_left(s, x) + bisect.bisect_right(s, x)) / 2 - 0.5) / (n - 1)
            for x in values]


def profile_table(dev):
    for d in os.environ.get("DCANAS_PROFILE_PATH", "").split(":") + \
            [os.path.join(HERE, "..", "devices", "profiles")]:
        p = os.path.join(d, dev + ".json.gz")
        if d and os.path.isfile(p):
            return json.load(gzip.open(p))["network_tables"][0]["archs"]
    sys.exit("no profile for device %s" % dev)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    acc = json.load(gzip.open(os.path.join(HERE, "..", "data", "nb201_test_acc.json.gz")))["archs"]
    regrets = {k: [] for k in ["chosen by the search"] + list(SUBSETS)}
    tables = {}
    for f in sorted(glob.glob(os.path.join(sys.argv[1], "*-dcanas-s*", "arch.json"))):
        a = json.load(open(f))
        scores = a.get("selection", {}).get("scores")
        if not scores:
            continue
        dev = os.path.basename(os.path.dirname(f)).split("-")[0]
        t = tables.setdefault(dev, profile_table(dev))
        budget = a["budgets"][0]["budget"]
        oracle = max(acc[x]["cifar10"] for x in t if t[x] <= budget)
        r = {k: ranks([c[k] if c[k] is not None else -1e300 for c in scores]) for k in VOTES}
        regrets["chosen by the search"].append(oracle - acc[a["arch"]]["cifar10"])
        for name, votes in SUBSETS.items():
            best = max(range(len(scores)), key=lambda i: sum(r[v][i] for v in votes))
            regrets[name].append(oracle - acc[scores[best]["arch"]]["cifar10"])
    n = len(regrets["chosen by the search"])
    if not n:
        sys.exit("no dcanas search with selection scores in %s" % sys.argv[1])
    print("%d searches (%s)" % (n, sys.argv[1]))
    for name, v in regrets.items():
        print("  %-28s mean regret %.2f  worst %.2f" % (name, sum(v) / n, max(v)))


if __name__ == "__main__":
    main()

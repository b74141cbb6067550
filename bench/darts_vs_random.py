#!/usr/bin/python3
"""Report of bench/darts_vs_random.sh: the found DARTS network against
random architectures within the same budget, all trained with one recipe.

  darts_vs_random.py OUT_DIR [--md]

One row per network (its test accuracy after the recipe, its exact costs
against the budget, the share of parameter-free ops in its normal and
reduction cells), then the found network's rank and the random median and
best."""
import json
import os
import re
import statistics
import sys

PARAM_FREE = ("skip_connect", "max_pool_3x3", "avg_pool_3x3", "none")


def cell_ops(genotype, cell):
    m = re.search(cell + r"=\[(.*?)\]", genotype)
    return re.findall(r"'(\w+)'", m.group(1)) if m else []


def param_free_share(ops):
    return sum(op in PARAM_FREE for op in ops) / len(ops) if ops else float("nan")


def test_acc(path):
    acc = None
    try:
        with open(path) as f:
            for line in f:
                m = re.search(r"test acc ([0-9.]+)%", line)
                if m:
                    acc = float(m.group(1))
    except OSError:
        pass
    return acc


def row(out, name):
    with open(os.path.join(out, name, "arch.json")) as f:
        a = json.load(f)
    g = a["arch"]
    normal, reduce = cell_ops(g, "normal"), cell_ops(g, "reduce")
    costs = ", ".join("%s %s (budget %s)" % (b["name"], b["exact_text"], b["budget_text"])
                      for b in a["budgets"])
    return {"name": name, "arch": g, "met": a["all_met"],
            "acc": test_acc(os.path.join(out, name, "train.log")), "costs": costs,
            "pf_normal": param_free_share(normal), "pf_reduce": param_free_share(reduce),
            "pf_all": param_free_share(normal + reduce),
            "seconds": a.get("search_seconds")}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out, md = sys.argv[1], "--md" in sys.argv[2:]
    names = ["found"] + sorted((d for d in os.listdir(out) if d.startswith("random-")),
                               key=lambda d: int(d.split("-")[1]))
    rows = [row(out, n) for n in names if os.path.isfile(os.path.join(out, n, "arch.json"))]
    recipe = open(os.path.join(out, "recipe.txt")).read().strip() \
        if os.path.isfile(os.path.join(out, "recipe.txt")) else "?"
    fmt = "| %s | %s | %s | %s | %.0f%% / %.0f%% | `%s` |" if md else \
        "%-10s %-8s %-4s %-40s %3.0f%% / %3.0f%%  %s"
    if md:
        print("| network | test acc | met | costs | param-free (normal / reduce) | genotype |")
        print("|---|---|---|---|---|---|")
    else:
        print(recipe)
        print("%-10s %-8s %-4s %-40s %s  %s" % ("network", "acc", "met", "costs",
                                              "param-free (normal / reduce)", "genotype"))
    for r in rows:
        acc = "%.2f" % r["acc"] if r["acc"] is not None else "-"
        print(fmt % (r["name"], acc, "yes" if r["met"] else "NO", r["costs"],
                     100 * r["pf_normal"], 100 * r["pf_reduce"], r["arch"]))
    found = rows[0] if rows and rows[0]["name"] == "found" else None
    rand = [r["acc"] for r in rows[1:] if r["acc"] is not None]
    if found and found["acc"] is not None and rand:
        beaten = sum(found["acc"] > a for a in rand)
        print("\nfound %.2f%% vs %d random: median %.2f%%, best %.2f%%, worst %.2f%%; "
              "beats %d of %d (%s the median, %s the best); parameter-free ops in "
              "the found cells: %.0f%%" % (
                  found["acc"], len(rand), statistics.median(rand), max(rand), min(rand),
                  beaten, len(rand),
                  "above" if found["acc"] > statistics.median(rand) else "NOT above",
                  "above" if found["acc"] > max(rand) else "not above",
                  100 * found["pf_all"]))


if __name__ == "__main__":
    main()

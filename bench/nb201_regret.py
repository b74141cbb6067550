#!/usr/bin/python3
"""NAS-Bench-201 regret of searches under device latency budgets.

  nb201_regret.py budgets DEVICE Q...      print the Q-th percentile latency
                                           budget of DEVICE (ms)
  nb201_regret.py report OUT_DIR [--md]    one row per finished search in
                                           OUT_DIR, then a summary per method

The budget is the latency of the architecture at position floor(n * Q / 100)
of the device's table sorted by latency (n = 15,625). The oracle of a search
is the best NAS-Bench-201 200-epoch CIFAR-10 test accuracy of any
architecture whose table latency is within the budget; regret = oracle -
accuracy of the architecture found. The accuracy table is read here, to
judge searches, and by nothing a search runs.

Device profiles are found like dcanas finds them: on DCANAS_PROFILE_PATH,
then devices/profiles of this tree."""
import glob
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def profile_dirs():
    dirs = [d for d in os.environ.get("DCANAS_PROFILE_PATH", "").split(":") if d]
    return dirs + [os.path.join(TOP, "devices", "profiles")]


def latency_table(device):
    for d in profile_dirs():
        for f in sorted(glob.glob(os.path.join(d, "*.json*"))):
            opener = gzip.open if f.endswith(".gz") else open
            try:
                with opener(f, "rt") as fh:
                    p = json.load(fh)
            except (OSError, ValueError):
                continue
            if p.get("name") != device:
                continue
            for t in p.get("network_tables", []):
                if t.get("space") == "nb201" and t.get("metric") == "latency":
                    return t["archs"]
    sys.exit("nb201_regret: no NAS-Bench-201 latency table for device '%s' "
             "on %s" % (device, ":".join(profile_dirs())))


def budget(table, q):
    lat = sorted(table.values())
    return lat[min(len(lat) - 1, int(len(lat) * q / 100.0))]


def accuracy_table():
    path = os.environ.get("DCANAS_BENCHMARK_PATH", os.path.join(TOP, "data"))
    with gzip.open(os.path.join(path.split(":")[0], "nb201_test_acc.json.gz"), "rt") as f:
        return json.load(f)["archs"]


def fmt_ms(v):
    return "%.6g" % v


def cmd_budgets(argv):
    # every digit (the shortest text that reads back as the same double): a
    # budget rounded to fewer can fall below the percentile's own latency
    # (eyeriss p50: 5.120180000000001 ms printed as 5.12018 made that
    # architecture 1e-15 ms over budget)
    table = latency_table(argv[0])
    print(" ".join(repr(budget(table, float(q))) for q in argv[1:]))


def load_runs(out):
    runs = []
    for arch_json in sorted(glob.glob(os.path.join(out, "*", "arch.json"))):
        name = os.path.basename(os.path.dirname(arch_json))
        with open(arch_json) as f:
            a = json.load(f)
        wall = None
        tfile = os.path.join(out, name + ".wall")
        if os.path.exists(tfile):
            with open(tfile) as f:
                wall = float(f.read().split()[0])
        runs.append((name, a, wall))
    return runs


def cmd_report(argv):
    out = argv[0]
    md = "--md" in argv
    acc = accuracy_table()
    tables = {}
    rows = []
    for name, a, wall in load_runs(out):
        # run directories are named DEVICE-pQ-METHOD-sSEED
        parts = name.split("-")
        dev, q, seed = parts[0], parts[1], parts[-1]
        method = "-".join(parts[2:-1])
        if dev not in tables:
            tables[dev] = latency_table(dev)
        t = tables[dev]
        b = next(x for x in a["budgets"] if x["name"] == "latency")
        B = b["budget"]
        oracle = max(acc[x]["cifar10"] for x in t if t[x] <= B)
        found = acc[a["arch"]]["cifar10"]
        rows.append(dict(dev=dev, q=q, method=method, seed=seed, arch=a["arch"],
                         lat=t[a["arch"]], budget=B, met=t[a["arch"]] <= B,
                         acc=found, oracle=oracle, regret=oracle - found,
                         wall=wall if wall is not None else a["search_seconds"]))
    if md:
        print("| device | budget | method | seed | latency (ms) | met | C10 acc | oracle | regret | wall (s) | architecture |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| %s | %s %s ms | %s | %s | %.3f | %s | %.2f | %.2f | %.2f | %.0f | `%s` |" % (
                r["dev"], r["q"], fmt_ms(r["budget"]), r["method"], r["seed"], r["lat"],
                "yes" if r["met"] else "NO", r["acc"], r["oracle"], r["regret"],
                r["wall"], r["arch"].replace("|", "\\|")))  # a bar ends a cell
    else:
        print("%-13s %-4s %-9s %-14s %-4s %-9s %-4s %-6s %-6s %-6s %-6s %s" % (
            "device", "q", "budget", "method", "seed", "latency", "met", "acc",
            "oracle", "regret", "wall", "arch"))
        for r in rows:
            print("%-13s %-4s %-9s %-14s %-4s %-9.3f %-4s %-6.2f %-6.2f %-6.2f %-6.0f %s" % (
                r["dev"], r["q"], fmt_ms(r["budget"]), r["method"], r["seed"], r["lat"],
                "yes" if r["met"] else "NO", r["acc"], r["oracle"], r["regret"],
                r["wall"], r["arch"]))
    print()
    methods = sorted(set(r["method"] for r in rows))
    hdr = "| method | searches | mean regret | worst regret | compliance | mean wall (s) | max wall (s) |"
    print(hdr if md else "summary per method")
    if md:
        print("|---|---|---|---|---|---|---|")
    for m in methods:
        rs = [r for r in rows if r["method"] == m]
        reg = [r["regret"] for r in rs]
        cells = (m, len(rs), sum(reg) / len(reg), max(reg),
                 100.0 * sum(r["met"] for r in rs) / len(rs),
                 sum(r["wall"] for r in rs) / len(rs), max(r["wall"] for r in rs))
        print(("| %s | %d | %.2f | %.2f | %.0f%% | %.0f | %.0f |" if md else
               "  %-14s n=%-3d mean regret %.2f worst %.2f compliance %.0f%% wall mean %.0f max %.0f") % cells)
    print()
    print("per device (mean regret):" if not md else "| device | " + " | ".join(methods) + " |")
    if md:
        print("|---|" + "---|" * len(methods))
    for dev in sorted(set(r["dev"] for r in rows)):
        vals = []
        for m in methods:
            rs = [r["regret"] for r in rows if r["dev"] == dev and r["method"] == m]
            vals.append("%.2f (%d)" % (sum(rs) / len(rs), len(rs)) if rs else "-")
        print(("| %s | " % dev + " | ".join(vals) + " |") if md else
              "  %-13s " % dev + "  ".join("%s=%s" % (m, v) for m, v in zip(methods, vals)))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("budgets", "report"):
        sys.exit(__doc__)
    (cmd_budgets if sys.argv[1] == "budgets" else cmd_report)(sys.argv[2:])

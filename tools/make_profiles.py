#!/usr/bin/env python3
"""Convert the shared NAS-Bench-201 latency tables into dcanas device profiles.

Reads (python3 standard library only):
  DATA/hw-nas-bench/hwnasbench_nb201_partial.json.gz   raspi4 pixel3 eyeriss fpga
  DATA/help-latency/help_nb201_latency.json.gz         1080ti_1 1080ti_32 1080ti_256
                                                       gold_6226 silver_4210r
                                                       samsung_s7 titanx_1
and writes OUT/<device>.json.gz (gzip, mtime 0, no file name in the header,
keys in a fixed order, archs in NAS-Bench-201 index order), so a rerun gives
byte-identical files.

Usage: tools/make_profiles.py [--data DIR] [--out DIR]
Defaults: --data $DCANAS_DATA_DIR or ../shared/data (relative to the source
tree), --out devices/profiles.  The format is described in docs/devices.md.
"""

import argparse
import gzip
import io
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

HWNB_FILE = "hw-nas-bench/hwnasbench_nb201_partial.json.gz"
HELP_FILE = "help-latency/help_nb201_latency.json.gz"

HELP_REPO = ("GitHub HayeonLee/HELP (MIT), commit "
             "45f70eb92d0d735970a33b608d1544ad3c52f285")

# CIFAR-10 NAS-Bench-201 evaluation network: 3x32x32 input, 10 classes,
# C=16, N=5 cells per stage.
NB201_CIFAR10 = {"dataset": "cifar10", "input": [3, 32, 32], "classes": 10,
                 "width": 16, "cells": 5}

HWNB_DEVICES = {
    "raspi4": "Raspberry Pi 4 (CPU)",
    "pixel3": "Google Pixel 3 phone",
    "eyeriss": "Eyeriss-style ASIC accelerator",
    "fpga": "FPGA accelerator",
}

HELP_DEVICES = {
    "1080ti_1": "NVIDIA GTX 1080 Ti GPU, batch size 1",
    "1080ti_32": "NVIDIA GTX 1080 Ti GPU, batch size 32",
    "1080ti_256": "NVIDIA GTX 1080 Ti GPU, batch size 256",
    "gold_6226": "Intel Xeon Gold 6226 CPU",
    "silver_4210r": "Intel Xeon Silver 4210R CPU",
    "samsung_s7": "Samsung Galaxy S7 phone (integer ms)",
    "titanx_1": "NVIDIA Titan X GPU, batch size 1",
}


def load(path):
    with gzip.open(path, "rb") as f:
        return json.load(f)


def ordered_archs(doc):
    """(arch string, record) pairs in NAS-Bench-201 index order."""
    items = list(doc["archs"].items())
    items.sort(key=lambda kv: (kv[1].get("index", 1 << 30), kv[0]))
    return items


def check_value(dev, arch, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        sys.exit("make_profiles: %s: %s: latency is not a number: %r"
                 % (dev, arch, v))
    if not math.isfinite(v) or v < 0:
        sys.exit("make_profiles: %s: %s: bad latency %r" % (dev, arch, v))
    return v


def write_profile(out_dir, prof):
    path = os.path.join(out_dir, prof["name"] + ".json.gz")
    text = json.dumps(prof, indent=None, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=False) + "\n"
    buf = io.BytesIO()
    # filename="" and mtime=0: nothing time- or path-dependent in the header
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9,
                       mtime=0) as gz:
        gz.write(text.encode("ascii"))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
    return path


def table(archs, note=None):
    t = {"space": "nb201", "metric": "latency", "unit": "ms"}
    t.update(NB201_CIFAR10)
    if note:
        t["note"] = note
    t["archs"] = archs
    return t


def hwnb_profiles(doc):
    items = ordered_archs(doc)
    out = []
    for dev, what in HWNB_DEVICES.items():
        key = dev + "_latency"
        archs = {}
        for arch, rec in items:
            archs[arch] = check_value(dev, arch, rec["cifar10"][key])
        prov = (
            "NAS-Bench-201 CIFAR-10 latency (ms) for all 15625 architectures, "
            "from HW-NAS-Bench (Li et al., ICLR 2021; GitHub GATECH-EIC/HW-NAS-Bench, "
            "MIT), metric 'cifar10' / '%s'. The HW-NAS-Bench pickle itself could not "
            "be obtained; the values come from the copy in %s, file "
            "data/nasbench201/latency/%s.pt (a list indexed by NAS-Bench-201 index, "
            "mapped to arch strings with HELP's str_arch2idx.pt), via dcanas' shared "
            "data file %s. Only archs 0, 1 and 2 were checked against HW-NAS-Bench's "
            "own published values (example.ipynb), and they are equal to full "
            "precision; the rest is unverified against HW-NAS-Bench. How the "
            "numbers were obtained (measured on hardware or estimated by a "
            "simulator/model, as HW-NAS-Bench does for its accelerator targets) "
            "is described in the HW-NAS-Bench paper, not re-checked here. Input "
            "3x32x32, CIFAR-10 network (C=16, N=5). Converted by "
            "tools/make_profiles.py; values stored as found."
            % (key, HELP_REPO, dev, HWNB_FILE))
        out.append({
            "dcanas_profile": 1,
            "name": dev,
            "summary": "%s: NAS-Bench-201 CIFAR-10 latency table (HW-NAS-Bench)"
                       % what,
            "provenance": prov,
            "license": "MIT (HW-NAS-Bench / HELP)",
            "network_tables": [table(archs)],
        })
    return out


def help_profiles(doc):
    items = ordered_archs(doc)
    out = []
    for dev, what in HELP_DEVICES.items():
        archs = {}
        for arch, rec in items:
            archs[arch] = check_value(dev, arch, rec[dev])
        extra = ""
        if dev == "samsung_s7":
            extra = (" This phone table holds integer milliseconds; its origin "
                     "and the input resolution used are not stated in the HELP "
                     "files and are NOT verified (see the HELP paper).")
        prov = (
            "NAS-Bench-201 latency (ms as stored) for all 15625 architectures, "
            "from HELP (Lee et al., 'HELP: Hardware-Adaptive Efficient Latency "
            "Prediction for NAS via Meta-Learning', NeurIPS 2021), %s, file "
            "data/nasbench201/latency/%s.pt, indexed by NAS-Bench-201 index and "
            "mapped to arch strings with HELP's str_arch2idx.pt, via dcanas' "
            "shared data file %s. The HELP files do not state the measurement "
            "setup; the dataset/input fields of the table (CIFAR-10, 3x32x32, "
            "C=16, N=5) are an assumption, not verified here; see the HELP "
            "paper. The values were not checked against any other source.%s "
            "Converted by tools/make_profiles.py; values stored as found."
            % (HELP_REPO, dev, HELP_FILE, extra))
        note = ("dataset/input assumed (HELP does not state them in its files); "
                "unverified")
        out.append({
            "dcanas_profile": 1,
            "name": dev,
            "summary": "%s: NAS-Bench-201 latency table (HELP)" % what,
            "provenance": prov,
            "license": "MIT (HW-NAS-Bench / HELP)",
            "network_tables": [table(archs, note)],
        })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get(
        "DCANAS_DATA_DIR", os.path.join(TOP, "..", "shared", "data")))
    ap.add_argument("--out", default=os.path.join(TOP, "devices", "profiles"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    profs = hwnb_profiles(load(os.path.join(a.data, HWNB_FILE)))
    profs += help_profiles(load(os.path.join(a.data, HELP_FILE)))
    for p in profs:
        n = len(p["network_tables"][0]["archs"])
        if n != 15625:
            sys.exit("make_profiles: %s: %d archs, expected 15625" % (p["name"], n))
        print("wrote %s (%d archs)" % (write_profile(a.out, p), n))


if __name__ == "__main__":
    main()

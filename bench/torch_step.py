#!/usr/bin/python3
"""PyTorch reference for bench/bench_step: the same evaluation networks
(NAS-Bench-201 C=16 N=5; DARTS C=16, 8 cells), one training step (forward,
backward, SGD) on batch 64 of random 3x32x32 input. The project's own code.

usage: /usr/bin/python3 bench/torch_step.py nb201|darts ARCH [width cells batch steps threads]
"""
import re
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_layers import DilConv, FactorizedReduce, ResBlock, SepConv, relu_conv_bn


class NB201Cell(nn.Module):
    def __init__(self, ops, c):
        super().__init__()
        self.ops = ops  # list of (to, from, name)
        self.edges = nn.ModuleDict()
        for to, frm, name in ops:
            key = f"{to}_{frm}"
            if name == "nor_conv_3x3":
                self.edges[key] = relu_conv_bn(c, c, 3, 1, 1)
            elif name == "nor_conv_1x1":
                self.edges[key] = relu_conv_bn(c, c, 1, 1, 0)
            elif name == "avg_pool_3x3":
                self.edges[key] = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
            elif name == "skip_connect":
                self.edges[key] = nn.Identity()

    def forward(self, x):
        nodes = [x]
        for to in range(1, 4):
            s = None
            for t, frm, name in self.ops:
                if t != to or name == "none":
                    continue
                y = self.edges[f"{to}_{frm}"](nodes[frm])
                s = y if s is None else s + y
            nodes.append(s if s is not None else torch.zeros_like(x))
        return nodes[3]


def parse_nb201(s):
    ops = []
    for to, node in enumerate(s.strip("|").split("|+|"), start=1):
        for item in node.split("|"):
            name, frm = item.split("~")
            ops.append((to, int(frm), name))
    return ops


class NB201(nn.Module):
    def __init__(self, arch, c=16, n=5, classes=10):
        super().__init__()
        ops = parse_nb201(arch)
        layers = [nn.Conv2d(3, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)]
        for stage in range(3):
            if stage:
                layers.append(ResBlock(c, 2 * c))
                c *= 2
            layers += [NB201Cell(ops, c) for _ in range(n)]
        layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                   nn.Linear(c, classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x), None


# ---- DARTS evaluation network -------------------------------------------------

def make_op(name, c, stride):
    if name == "sep_conv_3x3": return SepConv(c, 3, stride)
    if name == "sep_conv_5x5": return SepConv(c, 5, stride)
    if name == "dil_conv_3x3": return DilConv(c, 3, stride)
    if name == "dil_conv_5x5": return DilConv(c, 5, stride)
    if name == "max_pool_3x3": return nn.MaxPool2d(3, stride, 1)
    if name == "avg_pool_3x3": return nn.AvgPool2d(3, stride, 1, count_include_pad=False)
    if name == "skip_connect": return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    raise ValueError(name)


class DartsCell(nn.Module):
    def __init__(self, geno, cpp, cp, c, reduction, reduction_prev):
        super().__init__()
        self.pre0 = FactorizedReduce(cpp, c) if reduction_prev else relu_conv_bn(cpp, c, 1, 1, 0)
        self.pre1 = relu_conv_bn(cp, c, 1, 1, 0)
        pairs, self.concat = (geno["reduce"], geno["reduce_concat"]) if reduction else (geno["normal"], geno["normal_concat"])
        self.idx = [i for _, i in pairs]
        self.ops = nn.ModuleList(make_op(n, c, 2 if reduction and i < 2 else 1) for n, i in pairs)
        self.drop = 0.0

    def forward(self, s0, s1):
        states = [self.pre0(s0), self.pre1(s1)]
        for i in range(len(self.ops) // 2):
            h = [self.ops[2 * i + j](states[self.idx[2 * i + j]]) for j in range(2)]
            states.append(h[0] + h[1])
        return torch.cat([states[i] for i in self.concat], dim=1)


def parse_genotype(text):
    text = text.replace("range(2, 6)", "[2, 3, 4, 5]")
    g = {}
    for key in ("normal", "reduce"):
        m = re.search(key + r"=\[(.*?)\]\s*,\s*" + key + r"_concat=\[(.*?)\]", text)
        g[key] = [(n, int(i)) for n, i in re.findall(r"'(\w+)',\s*(\d+)", m.group(1))]
        g[key + "_concat"] = [int(v) for v in m.group(2).split(",")]
    return g


class Darts(nn.Module):
    def __init__(self, geno, c=16, layers=8, classes=10):
        super().__init__()
        cc = 3 * c
        self.stem = nn.Sequential(nn.Conv2d(3, cc, 3, padding=1, bias=False), nn.BatchNorm2d(cc))
        cpp, cp, cc = cc, cc, c
        self.cells = nn.ModuleList()
        rp = False
        for i in range(layers):
            red = i in (layers // 3, 2 * layers // 3)
            if red:
                cc *= 2
            cell = DartsCell(geno, cpp, cp, cc, red, rp)
            rp = red
            self.cells.append(cell)
            cpp, cp = cp, len(geno["normal_concat"]) * cc
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(cp, classes)

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1)), None


def main():
    space, arch = sys.argv[1], sys.argv[2]
    a = sys.argv[3:] + [None] * 5
    width = int(a[0] or 16)
    cells = int(a[1] or (5 if space == "nb201" else 8))
    batch, steps, threads = int(a[2] or 64), int(a[3] or 10), int(a[4] or 2)
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = NB201(arch, width, cells) if space == "nb201" else Darts(parse_genotype(arch), width, cells)
    opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    labels = torch.randint(0, 10, (batch,))
    times = []
    for s in range(steps + 3):
        x = torch.randn(batch, 3, 32, 32)
        t0 = time.perf_counter()
        logits, _ = net(x)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        if s >= 3:
            times.append(time.perf_counter() - t0)
    times.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    params = sum(p.numel() for p in net.parameters())
    print(f"pytorch {torch.__version__} {space} C={width} cells={cells} batch={batch} threads={threads}: "
          f"{1e3 * times[len(times) // 2]:.1f} ms/step (median of {steps}), peak RSS {rss:.0f} MiB, {params} params")


if __name__ == "__main__":
    main()

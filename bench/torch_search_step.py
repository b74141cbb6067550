#!/usr/bin/python3
"""PyTorch reference for one first-order DCA-NAS search step on the two
supernets (NAS-Bench-201 C=16 N=5; DARTS C=16, 8 cells), batch 64 of random
3x32x32 input, 10 classes. The project's own code, written from the supernet
spec; companion of bench/torch_step.py (evaluation networks).

One search step =
  (1) weight step: forward + backward of cross-entropy on a train batch,
      SGD (lr 0.025, momentum 0.9, wd 3e-4, grad-norm clip 5) on the weights;
  (2) architecture step: forward + backward of cross-entropy on a validation
      batch, Adam (lr 6e-4, betas (0.5, 0.999), wd 1e-3) on alpha and beta.

Mixed edges use a partial-channel bottleneck K (--k, 1 disables) and edge
normalisation (beta). By default each backward pass only computes gradients
for the parameters its optimizer steps (loss.backward(inputs=...));
--full-backward computes them for everything, as the original DARTS code does.

usage: /usr/bin/python3 bench/torch_search_step.py [--space nb201|darts] [--k K]
         [--threads T] [--steps S] [--warmup W] [--batch B] [--count] [--full-backward]
Prints one JSON object per run (--count: parameter counts only).
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_layers import DilConv, FactorizedReduce, ResBlock, SepConv, relu_conv_bn


# ---- candidate operations (BN affine=False inside candidate ops) -------------

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
DARTS_OPS = ["none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
             "dil_conv_3x3", "dil_conv_5x5"]


def make_op(name, c, stride, pool_bn):
    """pool_bn: pooling ops end in BN(affine=False) (DARTS), not in NB201."""
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine=False)
    if name == "nor_conv_1x1": return relu_conv_bn(c, c, 1, stride, 0, affine=False)
    if name == "nor_conv_3x3": return relu_conv_bn(c, c, 3, stride, 1, affine=False)
    if name in ("avg_pool_3x3", "max_pool_3x3"):
        pool = (nn.AvgPool2d(3, stride, 1, count_include_pad=False) if name == "avg_pool_3x3"
                else nn.MaxPool2d(3, stride, 1))
        return nn.Sequential(pool, nn.BatchNorm2d(c, affine=False)) if pool_bn else pool
    if name == "sep_conv_3x3": return SepConv(c, 3, stride, affine=False)
    if name == "sep_conv_5x5": return SepConv(c, 5, stride, affine=False)
    if name == "dil_conv_3x3": return DilConv(c, 3, stride, affine=False)
    if name == "dil_conv_5x5": return DilConv(c, 5, stride, affine=False)
    raise ValueError(name)


def channel_shuffle(x, groups):
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class MixedEdge(nn.Module):
    """Partial-channel mixed edge: ops run on the first C//K channels, the rest
    bypass (max-pooled at stride 2), then channel shuffle with K groups.
    'none' (index 0) takes part in the softmax but is not computed."""

    def __init__(self, ops, c, stride, k, pool_bn):
        super().__init__()
        assert c % k == 0, (c, k)
        self.k, self.stride, self.cp = k, stride, c // k
        self.ops = nn.ModuleList(make_op(name, self.cp, stride, pool_bn) for name in ops[1:])
        self.bypass_pool = nn.MaxPool2d(2, 2) if (k > 1 and stride == 2) else None

    def forward(self, x, w):  # w: softmax(alpha_e) over all ops, 'none' included
        xa = x[:, :self.cp] if self.k > 1 else x
        y = None
        for i, op in enumerate(self.ops):
            t = w[i + 1] * op(xa)
            y = t if y is None else y + t
        if self.k == 1:
            return y
        xb = x[:, self.cp:]
        if self.bypass_pool is not None:
            xb = self.bypass_pool(xb)
        return channel_shuffle(torch.cat([y, xb], dim=1), self.k)


# ---- NAS-Bench-201 supernet -----------------------------------------------------

NB201_EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (to, from)


class NB201Cell(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.edges = nn.ModuleList(MixedEdge(NB201_OPS, c, 1, k, pool_bn=False) for _ in NB201_EDGES)

    def forward(self, x, wa, beta):
        nodes = [x]
        for j in range(1, 4):
            first = j * (j - 1) // 2  # edges into node j: first .. first+j-1
            wb = F.softmax(beta[first:first + j], dim=-1)
            s = None
            for i in range(j):
                e = first + i
                t = wb[i] * self.edges[e](nodes[NB201_EDGES[e][1]], wa[e])
                s = t if s is None else s + t
            nodes.append(s)
        return nodes[3]


class NB201Supernet(nn.Module):
    def __init__(self, k, c=16, n=5, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.layers = nn.ModuleList()
        for stage in range(3):
            if stage:
                self.layers.append(ResBlock(c, 2 * c))
                c *= 2
            self.layers.extend(NB201Cell(c, k) for _ in range(n))
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(c, classes))
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(NB201_EDGES), len(NB201_OPS)))
        self.beta = nn.Parameter(1e-3 * torch.randn(len(NB201_EDGES)))

    def arch_parameters(self):
        return [self.alpha, self.beta]

    def weight_parameters(self):
        return [p for n, p in self.named_parameters() if n not in ("alpha", "beta")]

    def forward(self, x):
        wa = F.softmax(self.alpha, dim=-1)
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x, wa, self.beta) if isinstance(layer, NB201Cell) else layer(x)
        return self.head(x)


# ---- DARTS supernet -------------------------------------------------------------

class DartsCell(nn.Module):
    def __init__(self, cpp, cp, c, reduction, reduction_prev, k, steps=4):
        super().__init__()
        self.pre0 = (FactorizedReduce(cpp, c, affine=False) if reduction_prev
                     else relu_conv_bn(cpp, c, 1, 1, 0, affine=False))
        self.pre1 = relu_conv_bn(cp, c, 1, 1, 0, affine=False)
        self.reduction, self.steps = reduction, steps
        self.edges = nn.ModuleList()
        for i in range(steps):
            for j in range(2 + i):
                self.edges.append(MixedEdge(DARTS_OPS, c, 2 if reduction and j < 2 else 1, k, pool_bn=True))

    def forward(self, s0, s1, wa, beta):
        states = [self.pre0(s0), self.pre1(s1)]
        off = 0
        for i in range(self.steps):
            n = 2 + i
            wb = F.softmax(beta[off:off + n], dim=-1)
            s = None
            for j in range(n):
                t = wb[j] * self.edges[off + j](states[j], wa[off + j])
                s = t if s is None else s + t
            states.append(s)
            off += n
        return torch.cat(states[2:], dim=1)


class DartsSupernet(nn.Module):
    def __init__(self, k, c=16, layers=8, classes=10, steps=4, multiplier=4, stem_multiplier=3):
        super().__init__()
        cc = stem_multiplier * c
        self.stem = nn.Sequential(nn.Conv2d(3, cc, 3, padding=1, bias=False), nn.BatchNorm2d(cc))
        cpp, cp, cc = cc, cc, c
        self.cells = nn.ModuleList()
        rp = False
        for i in range(layers):
            red = i in (layers // 3, 2 * layers // 3)
            if red:
                cc *= 2
            self.cells.append(DartsCell(cpp, cp, cc, red, rp, k, steps))
            rp = red
            cpp, cp = cp, multiplier * cc
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(cp, classes)
        n_edges = sum(2 + i for i in range(steps))
        self.alpha_normal = nn.Parameter(1e-3 * torch.randn(n_edges, len(DARTS_OPS)))
        self.alpha_reduce = nn.Parameter(1e-3 * torch.randn(n_edges, len(DARTS_OPS)))
        self.beta_normal = nn.Parameter(1e-3 * torch.randn(n_edges))
        self.beta_reduce = nn.Parameter(1e-3 * torch.randn(n_edges))

    ARCH = ("alpha_normal", "alpha_reduce", "beta_normal", "beta_reduce")

    def arch_parameters(self):
        return [getattr(self, n) for n in self.ARCH]

    def weight_parameters(self):
        return [p for n, p in self.named_parameters() if n not in self.ARCH]

    def forward(self, x):
        wn = F.softmax(self.alpha_normal, dim=-1)
        wr = F.softmax(self.alpha_reduce, dim=-1)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            if cell.reduction:
                s0, s1 = s1, cell(s0, s1, wr, self.beta_reduce)
            else:
                s0, s1 = s1, cell(s0, s1, wn, self.beta_normal)
        return self.classifier(self.pool(s1).flatten(1))


# ---- driver ---------------------------------------------------------------------

def counts(net):
    arch = net.arch_parameters()
    alpha = sum(p.numel() for p in arch if p.dim() == 2)
    beta = sum(p.numel() for p in arch if p.dim() == 1)
    return {"weights": sum(p.numel() for p in net.weight_parameters()), "alpha": alpha, "beta": beta}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--space", choices=("nb201", "darts"), default="nb201")
    ap.add_argument("--k", type=int, default=4, help="channel bottleneck K (1 disables)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10, help="timed search steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed search steps first")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--count", action="store_true", help="print parameter counts as JSON and exit")
    ap.add_argument("--full-backward", action="store_true",
                    help="each backward computes gradients for all parameters (as original DARTS)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = NB201Supernet(args.k) if args.space == "nb201" else DartsSupernet(args.k)
    n = counts(net)
    if args.count:
        print(json.dumps({"space": args.space, "k": args.k, **n}))
        return

    weights, arch = net.weight_parameters(), net.arch_parameters()
    w_opt = torch.optim.SGD(weights, lr=0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam(arch, lr=6e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    net.train()
    b = args.batch
    w_times, a_times, times = [], [], []
    for s in range(args.warmup + args.steps):
        xt, yt = torch.randn(b, 3, 32, 32), torch.randint(0, 10, (b,))
        xv, yv = torch.randn(b, 3, 32, 32), torch.randint(0, 10, (b,))
        t0 = time.perf_counter()
        # (1) weight step
        w_opt.zero_grad()
        loss = F.cross_entropy(net(xt), yt)
        if args.full_backward:
            loss.backward()
        else:
            loss.backward(inputs=weights)
        nn.utils.clip_grad_norm_(weights, 5.0)
        w_opt.step()
        t1 = time.perf_counter()
        # (2) architecture step
        a_opt.zero_grad()
        loss = F.cross_entropy(net(xv), yv)
        if args.full_backward:
            w_opt.zero_grad()
            loss.backward()
        else:
            loss.backward(inputs=arch)
        a_opt.step()
        t2 = time.perf_counter()
        if s >= args.warmup:
            w_times.append(t1 - t0)
            a_times.append(t2 - t1)
            times.append(t2 - t0)

    def median_ms(v):
        v = sorted(v)
        return round(1e3 * v[len(v) // 2], 2) if v else None

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "pytorch": torch.__version__, "space": args.space, "k": args.k, "threads": args.threads,
        "batch": b, "steps": args.steps, "warmup": args.warmup, "full_backward": args.full_backward,
        "ms_per_step": median_ms(times), "weight_step_ms": median_ms(w_times), "arch_step_ms": median_ms(a_times),
        "stat": f"median of {len(times)}", "peak_rss_mib": round(rss), "params": n,
        "final_loss": round(loss.item(), 4)}))


if __name__ == "__main__":
    main()

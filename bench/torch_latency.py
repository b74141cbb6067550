#!/usr/bin/python3
"""PyTorch reference for bench/run_latency_bench.sh: the forward latency of
an evaluation network (bench/torch_step.py's) at batch 1, as a deployed
network runs: eval mode, torch.no_grad(), one 3x32x32 image. Prints the
median and the spread (upper minus lower quartile) of `runs` timed runs
after `warmup` untimed ones, in ms. The project's own code.

usage: /usr/bin/python3 bench/torch_latency.py nb201|darts ARCH width cells threads [warmup runs]
"""
import sys
import time

import torch

from torch_step import NB201, Darts, parse_genotype


def main():
    space, arch = sys.argv[1], sys.argv[2]
    width, cells, threads = (int(v) for v in sys.argv[3:6])
    warmup = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    runs = int(sys.argv[7]) if len(sys.argv) > 7 else 15
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = NB201(arch, width, cells) if space == "nb201" else Darts(parse_genotype(arch), width, cells)
    net.eval()
    x = torch.randn(1, 3, 32, 32)
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            t0 = time.perf_counter()
            net(x)
            if i >= warmup:
                times.append(1e3 * (time.perf_counter() - t0))
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    print(f"{median:.3f} {times[min(3 * n // 4, n - 1)] - times[n // 4]:.3f}")


if __name__ == "__main__":
    main()

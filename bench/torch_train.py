#!/usr/bin/python3
"""PyTorch reference for bench/run_train_bench.sh: what `dcanas train --data
cifar10:DIR --epochs E --batch-size B` does, as a PyTorch program a user
would write. It reads the CIFAR-10 binary batches in DIR (*.bin or
*.bin.gz; names with "test" are the test split), normalises with the
training split's per-channel mean and deviation, trains the same network
(bench/torch_step.py) with random crop (pad 4) and flip, SGD with momentum
0.9, weight decay 3e-4, gradient clipping at 5 and a cosine learning rate
per epoch, and evaluates on the test split after every epoch. The
project's own code.

usage: /usr/bin/python3 bench/torch_train.py nb201|darts ARCH DIR width cells epochs batch threads
"""
import glob
import gzip
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_step import NB201, Darts, parse_genotype


def read_split(folder, test):
    records = []
    for path in sorted(glob.glob(os.path.join(folder, "*.bin*"))):
        if ("test" in os.path.basename(path)) != test:
            continue
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            records.append(torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(-1, 3073))
    data = torch.cat(records)
    images = data[:, 1:].reshape(-1, 3, 32, 32).float() / 255.0
    return images, data[:, 0].long()


def augment(x, gen):
    """random crop from the image padded by 4, and a horizontal flip"""
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    out = torch.empty_like(x)
    offsets = torch.randint(0, 9, (n, 2), generator=gen)
    flips = torch.randint(0, 2, (n,), generator=gen)
    for i in range(n):
        oy, ox = int(offsets[i, 0]), int(offsets[i, 1])
        img = padded[i, :, oy:oy + 32, ox:ox + 32]
        out[i] = img.flip(2) if flips[i] else img
    return out


def main():
    space, arch, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    width, cells, epochs, batch, threads = (int(v) for v in sys.argv[4:9])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    train_x, train_y = read_split(folder, False)
    test_x, test_y = read_split(folder, True)
    mean = train_x.mean(dim=(0, 2, 3), keepdim=True)
    std = train_x.std(dim=(0, 2, 3), keepdim=True)
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    net = NB201(arch, width, cells) if space == "nb201" else Darts(parse_genotype(arch), width, cells)
    opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(train_y), generator=gen)
        correct = seen = 0
        for lo in range(0, len(order), batch):
            idx = order[lo:lo + batch]
            x, y = augment(train_x[idx], gen), train_y[idx]
            logits, _ = net(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
        sched.step()
        net.eval()
        right = 0
        with torch.no_grad():
            for lo in range(0, len(test_y), batch):
                logits, _ = net(test_x[lo:lo + batch])
                right += int((logits.argmax(1) == test_y[lo:lo + batch]).sum())
        print(f"epoch {epoch + 1}: train acc {100.0 * correct / seen:.2f}% "
              f"test acc {100.0 * right / len(test_y):.2f}% ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()

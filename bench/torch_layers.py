"""Layers shared by the PyTorch reference networks of bench/ (torch_step.py:
evaluation networks; torch_search_step.py: supernets). affine=False is the
search networks' BN inside candidate ops. The project's own code."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def relu_conv_bn(cin, cout, k, stride, pad, dil=1, affine=True):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, pad, dilation=dil, bias=False),
                         nn.BatchNorm2d(cout, affine=affine))


class SepConv(nn.Module):
    def __init__(self, c, k, stride, affine=True):
        super().__init__()
        p = k // 2
        self.op = nn.Sequential(
            nn.ReLU(), nn.Conv2d(c, c, k, stride, p, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False),
            nn.BatchNorm2d(c, affine=affine),
            nn.ReLU(), nn.Conv2d(c, c, k, 1, p, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False),
            nn.BatchNorm2d(c, affine=affine))

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    def __init__(self, c, k, stride, affine=True):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, stride, k - 1, dilation=2, groups=c, bias=False),
                                nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c, affine=affine))

    def forward(self, x):
        return self.op(x)


class FactorizedReduce(nn.Module):
    def __init__(self, cin, cout, affine=True):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.c2 = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(cout, affine=affine)

    def forward(self, x):
        x = F.relu(x)
        return self.bn(torch.cat([self.c1(x), self.c2(x[:, :, 1:, 1:])], dim=1))


class ResBlock(nn.Module):
    """NAS-Bench-201's residual reduction block (stride 2)."""
    def __init__(self, cin, cout):
        super().__init__()
        self.a = relu_conv_bn(cin, cout, 3, 2, 1)
        self.b = relu_conv_bn(cout, cout, 3, 1, 1)
        self.down = nn.Sequential(nn.AvgPool2d(2, 2, 0), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.down(x) + self.b(self.a(x))

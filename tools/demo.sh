#!/bin/sh
# The main job, on a fresh Debian 12 machine: install what is needed, build,
# and show what dcanas can do today — the exact costs of architectures from
# the field on real devices, and an experiment file validated with its
# budgets resolved, and training from scratch. (Search and the host device
# are open issues.)
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
NB='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
V2="Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
echo "== a NAS-Bench-201 cell on a Raspberry Pi 4"
./dcanas cost --space nb201 --arch "$NB" --device raspi4
echo; echo "== the same cell on an FPGA"
./dcanas cost --space nb201 --arch "$NB" --device fpga
echo; echo "== DARTS_V2 at C=36, 20 cells"
./dcanas cost --space darts --genotype "$V2"
echo; echo "== an experiment file, validated"
./dcanas check-config examples/nb201-raspi4.json
echo; echo "== train that NAS-Bench-201 cell (narrow: width 8, 1 cell per stage) on a"
echo "   slice of Fashion-MNIST (Debian's dataset-fashion-mnist), 2 epochs"
./dcanas train --space nb201 --arch "$NB" --width 8 --cells 1 \
	--data fashion-mnist:/usr/share/datasets/fashion-mnist --per-class 200 \
	--epochs 2 --lr 0.05

#!/bin/sh
# One training step (forward, backward, SGD; batch 64, 3x32x32, 10 classes)
# of two evaluation networks, dcanas beside PyTorch (Debian python3-torch,
# bench/torch_step.py), in the same run, same thread count.
#   sh bench/run_step_bench.sh [threads] [steps]
# Needs a built tree (make) and python3-torch (apt-get install python3-torch).
set -eu
cd "$(dirname "$0")/.."
threads=${1:-2}
steps=${2:-10}
NB='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
V2="Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
cc=${CC:-cc}
$cc -std=gnu11 -O2 -fopenmp -I. -Iinclude $(pkg-config --cflags openblas jansson) \
	bench/bench_step.c -L.libs -ldcanas $(pkg-config --libs jansson) -o bench/bench_step
export LD_LIBRARY_PATH="$PWD/.libs"
export DCANAS_PLUGIN_PATH="$PWD/spaces:$PWD/plugins/constraints:$PWD/plugins/devices"
export DCANAS_NO_SYSTEM_PLUGINS=1 DCANAS_PROFILE_PATH="$PWD/devices/profiles"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} threads=$threads $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
./bench/bench_step nb201 "$NB" 16 5 64 "$steps" "$threads"
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py nb201 "$NB" 16 5 64 "$steps" "$threads"
./bench/bench_step darts "$V2" 16 8 64 "$steps" "$threads"
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py darts "$V2" 16 8 64 "$steps" "$threads"

# Sourced by the bench scripts that run the in-tree build beside PyTorch:
# the tree's library and modules, OpenBLAS's kernel choice, the two
# reference networks, and an awk median over rounds.
# OpenBLAS's generic kernel is slow where it cannot tell the CPU.
: "${OPENBLAS_CORETYPE:=Haswell}"
export OPENBLAS_CORETYPE
export LD_LIBRARY_PATH="$PWD/.libs"
export DCANAS_PLUGIN_PATH="$PWD/spaces:$PWD/plugins/constraints:$PWD/plugins/devices:$PWD/plugins/optimizers"
export DCANAS_NO_SYSTEM_PLUGINS=1 DCANAS_PROFILE_PATH="$PWD/devices/profiles"
# NAS-Bench-201's best CIFAR-10 cell, and DARTS_V2
NB='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
V2="Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
# awk: median(t, k, c) of t[k, 1..c] (sorts them in place)
AWK_MEDIAN='
	function median(t, k, c,   i, j, x) {
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
			if (t[k, j] < t[k, i]) { x = t[k, i]; t[k, i] = t[k, j]; t[k, j] = x }
		return c % 2 ? t[k, (c + 1) / 2] : (t[k, c / 2] + t[k, c / 2 + 1]) / 2 }'

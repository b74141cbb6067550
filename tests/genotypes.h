/* dcanas tests — DARTS genotypes from the field (the DARTS and PC-DARTS
 * papers' genotypes.py), shared by the DARTS suites. */
#ifndef DCANAS_TEST_GENOTYPES_H
#define DCANAS_TEST_GENOTYPES_H

static const char *const DARTS_V2 =
	"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
	"('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
	"('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
	"normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
	"('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
	"('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
	"('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

static const char *const PC_DARTS =
	"Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), "
	"('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), "
	"('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], "
	"normal_concat=range(2, 6), reduce=[('sep_conv_5x5', 1), "
	"('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), "
	"('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), "
	"('sep_conv_3x3', 2)], reduce_concat=range(2, 6))";

#endif

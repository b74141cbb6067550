/* dcanas tests — the DARTS space module, exercised directly (no registry):
 * genotype parsing and printing, and the evaluation network's parameter and
 * MAC counts against the published figures. */
#include "../spaces/darts_space.c"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genotypes.h"

static const dca_space *S = &darts_space;

static dca_arch *parse_ok(const char *text)
{
	dca_error err = { 0 };
	dca_arch *a = S->arch_parse(text, &err);

	if (!a)
		ck_abort_msg("parse failed: %s", err.msg);
	ck_assert_int_eq(err.code, 0);
	return a;
}

/* Build arch at shape; return sum of params and (via *macs) MACs. */
static double count(const char *text, const dca_net_shape *shape, double *macs)
{
	dca_error err = { 0 };
	dca_arch *a = parse_ok(text);
	dca_net net;
	double p = 0, m = 0;
	size_t i;

	dca_net_init(&net);
	if (S->build_net(a, shape, &net, &err) != 0)
		ck_abort_msg("build_net failed: %s", err.msg);
	for (i = 0; i < net.n_ops; i++) {
		p += dca_op_params(&net.ops[i]);
		m += dca_op_macs(&net.ops[i]);
	}
	/* the logits are the main classifier's: shape 10x1x1 */
	ck_assert_int_ge(net.output, 0);
	ck_assert_int_eq(net.tensors[net.output].c, shape && shape->classes ? shape->classes : 10);
	ck_assert_int_eq(net.ops[net.n_ops - 1].kind, DCA_OP_LINEAR);
	if (macs)
		*macs = m;
	dca_net_free(&net);
	S->arch_free(a);
	return p;
}

static void expect_parse_error(const char *text, const char *needle)
{
	dca_error err = { 0 };
	dca_arch *a = S->arch_parse(text, &err);

	if (a) {
		S->arch_free(a);
		ck_abort_msg("parse accepted bad text: %s", text);
	}
	ck_assert_int_eq(err.code, DCA_ERR_INVALID);
	if (!strstr(err.msg, needle))
		ck_abort_msg("message '%s' lacks '%s'", err.msg, needle);
	ck_assert_ptr_nonnull(strstr(err.msg, "offset"));
	printf("# rejected as expected: %s\n", err.msg);
}

START_TEST(test_space_fields)
{
	ck_assert_str_eq(S->name, "darts");
	ck_assert_int_eq(S->n_ops, 8);
	ck_assert_str_eq(S->op_names[0], "none");
	ck_assert_str_eq(S->op_names[3], "skip_connect");
	ck_assert_str_eq(S->op_names[7], "dil_conv_5x5");
	ck_assert_int_eq(S->n_edges, 28);   /* 14 search edges per cell type */
	ck_assert_int_eq(S->default_shape.width, 36);
	ck_assert_int_eq(S->default_shape.cells, 20);
	ck_assert_int_eq(S->default_shape.classes, 10);
	ck_assert_int_eq(S->default_shape.in_h, 32);
	ck_assert_ptr_nonnull(dca_module_entry());
	ck_assert_str_eq(dca_module_entry()->name, "darts");
	ck_assert_uint_eq(dca_module_entry()->abi_major, DCA_ABI_MAJOR);
}
END_TEST

START_TEST(test_params_darts_v2)
{
	dca_net_shape sh = { 3, 32, 32, 10, 36, 20, 0 };
	double macs = 0;
	double p = count(DARTS_V2, &sh, &macs);

	printf("# DARTS_V2 C=36 20 cells: params %.0f, MACs %.0f\n", p, macs);
	ck_assert_double_eq(p, 3349342.0);
	ck_assert_double_ge(macs, 500e6);
	ck_assert_double_le(macs, 560e6);
	/* zero shape fields mean the defaults */
	{
		dca_net_shape z = { 0 };

		ck_assert_double_eq(count(DARTS_V2, &z, NULL), 3349342.0);
		ck_assert_double_eq(count(DARTS_V2, NULL, NULL), 3349342.0);
	}
}
END_TEST

START_TEST(test_params_pc_darts)
{
	dca_net_shape sh = { 3, 32, 32, 10, 36, 20, 0 };
	double macs = 0;
	double p = count(PC_DARTS, &sh, &macs);

	printf("# PC_DARTS C=36 20 cells: params %.0f, MACs %.0f\n", p, macs);
	ck_assert_double_eq(p, 3634678.0);
}
END_TEST

START_TEST(test_auxiliary)
{
	dca_net_shape sh = { 3, 32, 32, 10, 36, 20, 1 };
	/* aux head input: C_prev after the 2nd reduction = 4 * 144 = 576 */
	double aux = 576.0 * 128      /* conv 1x1 576 -> 128 */
		     + 2 * 128        /* BN */
		     + 128.0 * 768 * 4 /* conv 2x2 128 -> 768 */
		     + 2 * 768        /* BN */
		     + 768.0 * 10 + 10; /* linear */
	double p = count(DARTS_V2, &sh, NULL);

	printf("# DARTS_V2 with auxiliary head: params %.0f (aux %.0f)\n", p, aux);
	ck_assert_double_eq(p, 3349342.0 + aux);
}
END_TEST

START_TEST(test_round_trip)
{
	const char *texts[2] = { DARTS_V2, PC_DARTS };
	int i;

	for (i = 0; i < 2; i++) {
		dca_arch *a = parse_ok(texts[i]);
		char *s = S->arch_format(a);
		dca_arch *b;
		char *t;

		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_nonnull(strstr(s, "normal_concat=[2, 3, 4, 5]"));
		ck_assert_ptr_nonnull(strstr(s, "reduce_concat=[2, 3, 4, 5]"));
		b = parse_ok(s);
		t = S->arch_format(b);
		ck_assert_str_eq(s, t);
		ck_assert_int_eq(memcmp(a, b, sizeof *a), 0);
		if (i == 0) /* the canonical form is the field's own */
			ck_assert_str_eq(s, DARTS_V2);
		free(s);
		free(t);
		S->arch_free(a);
		S->arch_free(b);
	}
}
END_TEST

START_TEST(test_range_quotes_whitespace)
{
	/* double quotes, range(), odd whitespace, trailing comma */
	const char *txt =
		"  Genotype ( normal = [ (\"sep_conv_3x3\" , 0 ) ,('sep_conv_3x3', 1),\n"
		"('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1),\n"
		"\t('skip_connect', 0), ('skip_connect', 0), (\"dil_conv_3x3\", 2),],\n"
		" normal_concat = range( 2 ,6 ), reduce=[('max_pool_3x3', 0), "
		"('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
		"('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
		"('max_pool_3x3', 1)], reduce_concat=range(2, 6) )\n";
	dca_arch *a = parse_ok(txt);
	char *s = S->arch_format(a);

	ck_assert_str_eq(s, DARTS_V2);
	free(s);
	S->arch_free(a);
}
END_TEST

START_TEST(test_bad_inputs)
{
	char buf[2048];
	const char *p;

	/* unknown op, with its offset and the known ops */
	snprintf(buf, sizeof buf, "%s", DARTS_V2);
	p = strstr(buf, "sep_conv_3x3");
	memcpy((char *)p, "sep_conv_7x7", 12);
	expect_parse_error(buf, "unknown op 'sep_conv_7x7' at offset 19");
	expect_parse_error(buf, "known ops: none, max_pool_3x3");

	/* input index out of range: node 0 takes 0..1 */
	expect_parse_error(
		"Genotype(normal=[('sep_conv_3x3', 2), ('sep_conv_3x3', 1), "
		"('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
		"('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
		"normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
		"('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
		"('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
		"('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
		"input 2 of node 0");
	/* node 3 takes 0..4 */
	expect_parse_error(
		"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
		"('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
		"('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 5)], "
		"normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
		"('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
		"('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
		"('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
		"out of range");

	/* wrong number of pairs */
	expect_parse_error(
		"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], "
		"normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
		"('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
		"('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
		"('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
		"normal has 2 (op, input) pairs");
	expect_parse_error(
		"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
		"('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
		"('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2), "
		"('dil_conv_3x3', 2)], "
		"normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
		"('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
		"('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
		"('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
		"more than 8");

	/* garbage */
	expect_parse_error("hello world", "expected 'Genotype' at offset 0");
	expect_parse_error("Genotype(normal=42)", "expected '[' at offset 16");
	expect_parse_error("", "unexpected end of text");

	/* truncated text: every proper prefix of a valid genotype is rejected */
	{
		size_t n = strlen(DARTS_V2), k;

		for (k = 0; k < n; k++) {
			dca_error err = { 0 };
			dca_arch *a;

			memcpy(buf, DARTS_V2, k);
			buf[k] = '\0';
			a = S->arch_parse(buf, &err);
			if (a)
				ck_abort_msg("truncated text accepted: %s", buf);
			ck_assert_int_eq(err.code, DCA_ERR_INVALID);
			ck_assert_ptr_nonnull(strstr(err.msg, "genotype:"));
		}
		memcpy(buf, DARTS_V2, n - 20);
		buf[n - 20] = '\0';
		expect_parse_error(buf, "unexpected end of text");
	}

	/* trailing junk */
	snprintf(buf, sizeof buf, "%s xyz", DARTS_V2);
	expect_parse_error(buf, "after the closing");
	/* missing key */
	expect_parse_error(
		"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
		"('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
		"('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
		"normal_concat=[2, 3, 4, 5])", "expected ','");
	/* NULL error record is allowed */
	ck_assert_ptr_null(S->arch_parse("nope", NULL));
}
END_TEST

START_TEST(test_bad_shapes)
{
	dca_arch *a = parse_ok(DARTS_V2);
	dca_net_shape bad[] = {
		{ 3, 32, 32, 10, 1, 20, 0 },  /* width < 2 */
		{ 3, 32, 32, 10, 36, 2, 0 },  /* cells < 3 */
		{ 3, 30, 30, 10, 36, 20, 0 }, /* not a multiple of 4 */
		{ 3, 64, 64, 10, 36, 20, 1 }, /* aux head needs 32x32 */
		{ 3, 32, 32, -1, 36, 20, 0 }, /* classes */
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dca_error err = { 0 };
		dca_net net;

		dca_net_init(&net);
		ck_assert_int_eq(S->build_net(a, &bad[i], &net, &err), DCA_ERR_INVALID);
		ck_assert_int_eq(err.code, DCA_ERR_INVALID);
		ck_assert(strlen(err.msg) > 10);
		printf("# rejected shape %zu: %s\n", i, err.msg);
		dca_net_free(&net);
	}
	S->arch_free(a);
}
END_TEST

START_TEST(test_net_structure)
{
	dca_error err = { 0 };
	dca_arch *a = parse_ok(DARTS_V2);
	dca_net net;
	size_t i;
	int found_label = 0, n_reduce_fr = 0;

	dca_net_init(&net);
	ck_assert_int_eq(S->build_net(a, NULL, &net, &err), 0);
	ck_assert_int_eq(net.tensors[net.input].c, 3);
	for (i = 0; i < net.n_ops; i++) {
		const dca_op_desc *op = &net.ops[i];

		if (op->label && strcmp(op->label, "cell3/node0/sep_conv_3x3") == 0)
			found_label = 1;
		/* preprocess0 of the cells after a reduction is a FactorizedReduce */
		if (op->label && op->kind == DCA_OP_CONV && op->stride == 2 &&
		    (strcmp(op->label, "cell7/preprocess0") == 0 ||
		     strcmp(op->label, "cell14/preprocess0") == 0))
			n_reduce_fr++;
		/* no BN directly after a pool in the eval network */
		if (op->kind == DCA_OP_BATCHNORM && op->in[0] >= 0) {
			size_t j;

			for (j = 0; j < i; j++)
				if (net.ops[j].out == op->in[0])
					ck_assert(net.ops[j].kind != DCA_OP_MAXPOOL &&
						  net.ops[j].kind != DCA_OP_AVGPOOL);
		}
	}
	ck_assert(found_label);
	ck_assert_int_eq(n_reduce_fr, 4);
	/* final feature map before the classifier: 4*C*4 channels at 8x8 */
	ck_assert_int_eq(net.ops[net.n_ops - 2].kind, DCA_OP_GLOBAL_AVGPOOL);
	ck_assert_int_eq(net.ops[net.n_ops - 2].cin, 576);
	ck_assert_int_eq(net.ops[net.n_ops - 2].h, 8);
	dca_net_free(&net);
	{
		/* the genotype as the op kept on each search edge, and back */
		int ch[28], ch2[28], e, kept = 0;
		dca_arch *b;

		ck_assert_int_eq(S->arch_choices(a, ch), 0);
		for (e = 0; e < 28; e++)
			kept += ch[e] >= 0;
		ck_assert_int_eq(kept, 16);
		b = S->arch_from_choices(ch, NULL);
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(S->arch_choices(b, ch2), 0);
		ck_assert_mem_eq(ch, ch2, sizeof ch);
		S->arch_free(b);
		ch[0] = 0;   /* a kept 'none' edge is no genotype */
		ck_assert_ptr_null(S->arch_from_choices(ch, NULL));
	}
	S->arch_free(a);
}
END_TEST

static Suite *darts_suite(void)
{
	Suite *s = suite_create("darts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_space_fields);
	tcase_add_test(tc, test_params_darts_v2);
	tcase_add_test(tc, test_params_pc_darts);
	tcase_add_test(tc, test_auxiliary);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_range_quotes_whitespace);
	tcase_add_test(tc, test_bad_inputs);
	tcase_add_test(tc, test_bad_shapes);
	tcase_add_test(tc, test_net_structure);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(darts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

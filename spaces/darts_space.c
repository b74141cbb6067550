/* dcanas — the DARTS search space (Liu, Simonyan & Yang, ICLR 2019).
 *
 * An architecture is a DARTS genotype: for the normal and the reduction cell,
 * 4 intermediate nodes, each the sum of two (op, input) edges, where input j
 * of node i indexes the cell states [c_{k-2}, c_{k-1}, node0, ..., node(i-1)]
 * (so j < i + 2), and a concat list of the states forming the cell output.
 *
 * The evaluation network is NetworkCIFAR of the reference DARTS code: a
 * 3x3 stem to 3C channels, `cells` cells with reduction cells at cells/3 and
 * 2*cells/3 (each doubling C), an optional auxiliary head after the second
 * reduction cell, then global average pooling and a linear classifier. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#include "darts.h"

static const char *const darts_op_names[DARTS_N_OPS] = {
	"none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
	"sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
};

static const char *const cell_key[2] = { "normal", "reduce" };

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

typedef struct parser {
	const char *text;
	const char *p;
	dca_error *err;
} parser;

static long off(const parser *ps, const char *at)
{
	return (long)(at - ps->text);
}

static void skip_ws(parser *ps)
{
	while (*ps->p && isspace((unsigned char)*ps->p))
		ps->p++;
}

/* Describe what is at the cursor for error messages. */
static void describe_here(const parser *ps, char *buf, size_t n)
{
	const char *q = ps->p;
	size_t len = 0;

	if (!*q) {
		snprintf(buf, n, "end of text");
		return;
	}
	while (q[len] && !isspace((unsigned char)q[len]) && len < 16)
		len++;
	if (len == 0)
		len = 1;
	snprintf(buf, n, "'%.*s'", (int)len, q);
}

static int fail_expect(parser *ps, const char *what)
{
	char here[40];
	const char *q = ps->p;

	describe_here(ps, here, sizeof here);
	/* a word cut short by the end of the text counts as truncation */
	while (*q && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (!*q)
		return dca_error_set(ps->err, DCA_ERR_INVALID,
				     "genotype: unexpected end of text at offset %ld "
				     "(text truncated?); expected %s",
				     off(ps, ps->p), what);
	return dca_error_set(ps->err, DCA_ERR_INVALID,
			     "genotype: expected %s at offset %ld, found %s",
			     what, off(ps, ps->p), here);
}

/* Consume punctuation c (after whitespace) or fail. */
static int expect_char(parser *ps, char c)
{
	char what[8];

	skip_ws(ps);
	if (*ps->p == c) {
		ps->p++;
		return 0;
	}
	snprintf(what, sizeof what, "'%c'", c);
	return fail_expect(ps, what);
}

static int accept_char(parser *ps, char c)
{
	skip_ws(ps);
	if (*ps->p == c) {
		ps->p++;
		return 1;
	}
	return 0;
}

/* Read an identifier; returns its length (0 if none) and start. */
static size_t read_ident(parser *ps, const char **start)
{
	size_t n = 0;

	skip_ws(ps);
	*start = ps->p;
	while (ps->p[n] && (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_'))
		n++;
	ps->p += n;
	return n;
}

static int expect_word(parser *ps, const char *word)
{
	const char *s;
	size_t n;
	const char *save;
	char what[64];

	skip_ws(ps);
	save = ps->p;
	n = read_ident(ps, &s);
	if (n == strlen(word) && strncmp(s, word, n) == 0)
		return 0;
	ps->p = save;
	snprintf(what, sizeof what, "'%s'", word);
	return fail_expect(ps, what);
}

static int read_int(parser *ps, int *v, const char **at)
{
	long x = 0;
	int neg = 0;
	const char *q;

	skip_ws(ps);
	*at = ps->p;
	q = ps->p;
	if (*q == '-' || *q == '+') {
		neg = *q == '-';
		q++;
	}
	if (!isdigit((unsigned char)*q))
		return fail_expect(ps, "an integer");
	while (isdigit((unsigned char)*q)) {
		x = x * 10 + (*q - '0');
		if (x > 1000000)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: integer too large at offset %ld",
					     off(ps, *at));
		q++;
	}
	ps->p = q;
	*v = (int)(neg ? -x : x);
	return 0;
}

static void known_ops(char *buf, size_t n)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < DARTS_N_OPS && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
					darts_op_names[i]);
}

/* ('op_name', input) */
static int parse_pair(parser *ps, int *op, const char **name_at)
{
	char quote;
	const char *s;
	size_t n;
	int i;

	if (expect_char(ps, '('))
		return DCA_ERR_INVALID;
	skip_ws(ps);
	if (*ps->p != '\'' && *ps->p != '"')
		return fail_expect(ps, "a quoted op name");
	quote = *ps->p++;
	s = ps->p;
	*name_at = s;
	while (*ps->p && *ps->p != quote)
		ps->p++;
	if (!*ps->p)
		return dca_error_set(ps->err, DCA_ERR_INVALID,
				     "genotype: unterminated op name at offset %ld "
				     "(text truncated?); expected closing %c",
				     off(ps, s - 1), quote);
	n = (size_t)(ps->p - s);
	ps->p++;
	for (i = 0; i < DARTS_N_OPS; i++)
		if (strlen(darts_op_names[i]) == n && strncmp(darts_op_names[i], s, n) == 0)
			break;
	if (i == DARTS_N_OPS) {
		char known[256];

		known_ops(known, sizeof known);
		return dca_error_set(ps->err, DCA_ERR_INVALID,
				     "genotype: unknown op '%.*s' at offset %ld; "
				     "known ops: %s", (int)(n > 64 ? 64 : n), s,
				     off(ps, s), known);
	}
	*op = i;
	return 0;
}

static int parse_pairs(parser *ps, int which, darts_cell *cell)
{
	const char *list_at;
	int n = 0;

	skip_ws(ps);
	list_at = ps->p;
	if (expect_char(ps, '['))
		return DCA_ERR_INVALID;
	for (;;) {
		int op = 0, in;
		const char *name_at = NULL, *in_at;

		skip_ws(ps);
		if (*ps->p == ']')
			break;
		if (parse_pair(ps, &op, &name_at) || expect_char(ps, ',') ||
		    read_int(ps, &in, &in_at))
			return DCA_ERR_INVALID;
		accept_char(ps, ',');
		if (expect_char(ps, ')'))
			return DCA_ERR_INVALID;
		if (n >= DARTS_PAIRS)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: %s has more than %d (op, input) "
					     "pairs (extra pair at offset %ld); expected "
					     "%d (%d nodes x 2 inputs)", cell_key[which],
					     DARTS_PAIRS, off(ps, name_at), DARTS_PAIRS,
					     DARTS_STEPS);
		if (in < 0 || in >= n / 2 + 2)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: %s input %d of node %d at offset %ld "
					     "is out of range; node %d takes inputs 0..%d",
					     cell_key[which], in, n / 2, off(ps, in_at),
					     n / 2, n / 2 + 1);
		cell->op[n] = op;
		cell->in[n] = in;
		n++;
		if (!accept_char(ps, ','))
			break;
	}
	if (expect_char(ps, ']'))
		return DCA_ERR_INVALID;
	if (n != DARTS_PAIRS)
		return dca_error_set(ps->err, DCA_ERR_INVALID,
				     "genotype: %s has %d (op, input) pairs at offset "
				     "%ld; expected %d (%d nodes x 2 inputs)",
				     cell_key[which], n, off(ps, list_at), DARTS_PAIRS,
				     DARTS_STEPS);
	return 0;
}

static int add_concat(parser *ps, int which, darts_cell *cell, int v,
		      const char *at)
{
	int i;

	if (v < 0 || v >= DARTS_STATES)
		return dca_error_set(ps->err, DCA_ERR_INVALID,
				     "genotype: %s_concat state %d at offset %ld is out "
				     "of range; states are 0..%d", cell_key[which], v,
				     off(ps, at), DARTS_STATES - 1);
	for (i = 0; i < cell->n_concat; i++)
		if (cell->concat[i] == v)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: %s_concat names state %d twice "
					     "(offset %ld)", cell_key[which], v, off(ps, at));
	cell->concat[cell->n_concat++] = v;
	return 0;
}

/* [2, 3, 4, 5] or range(2, 6) */
static int parse_concat(parser *ps, int which, darts_cell *cell)
{
	const char *at;
	int v;

	cell->n_concat = 0;
	skip_ws(ps);
	at = ps->p;
	if (*ps->p == '[') {
		ps->p++;
		for (;;) {
			skip_ws(ps);
			if (*ps->p == ']')
				break;
			if (read_int(ps, &v, &at) || add_concat(ps, which, cell, v, at))
				return DCA_ERR_INVALID;
			if (!accept_char(ps, ','))
				break;
		}
		if (expect_char(ps, ']'))
			return DCA_ERR_INVALID;
	} else if (strncmp(ps->p, "range", 5) == 0) {
		int lo, hi;
		const char *lo_at, *hi_at;

		ps->p += 5;
		if (expect_char(ps, '(') || read_int(ps, &lo, &lo_at))
			return DCA_ERR_INVALID;
		if (accept_char(ps, ',')) {
			if (read_int(ps, &hi, &hi_at))
				return DCA_ERR_INVALID;
		} else {
			hi = lo;
			lo = 0;
			hi_at = lo_at;
		}
		accept_char(ps, ',');
		if (expect_char(ps, ')'))
			return DCA_ERR_INVALID;
		if (lo < 0 || hi > DARTS_STATES)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: %s_concat range(%d, %d) at offset "
					     "%ld is out of range; states are 0..%d",
					     cell_key[which], lo, hi, off(ps, at),
					     DARTS_STATES - 1);
		(void)hi_at;
		for (v = lo; v < hi; v++)
			cell->concat[cell->n_concat++] = v;
	} else {
		return fail_expect(ps, "a concat list '[...]' or 'range(a, b)'");
	}
	if (cell->n_concat == 0)
		return dca_error_set(ps->err, DCA_ERR_INVALID,
				     "genotype: %s_concat at offset %ld is empty; the "
				     "cell output needs at least one state",
				     cell_key[which], off(ps, at));
	return 0;
}

static dca_arch *darts_arch_parse(const char *text, dca_error *err)
{
	parser ps = { text, text, err };
	dca_arch *a;
	int seen[4] = { 0, 0, 0, 0 };
	int k;

	if (!text) {
		dca_error_set(err, DCA_ERR_INVALID, "genotype: no text given");
		return NULL;
	}
	a = calloc(1, sizeof *a);
	if (!a) {
		dca_error_set(err, DCA_ERR_NOMEM, "genotype: out of memory");
		return NULL;
	}
	if (expect_word(&ps, "Genotype") || expect_char(&ps, '('))
		goto fail;
	for (k = 0; k < 4; k++) {
		static const char *const keys[4] = {
			"normal", "normal_concat", "reduce", "reduce_concat"
		};
		const char *s;
		size_t n;
		int j;

		if (k > 0 && expect_char(&ps, ','))
			goto fail;
		n = read_ident(&ps, &s);
		for (j = 0; j < 4; j++)
			if (strlen(keys[j]) == n && strncmp(keys[j], s, n) == 0)
				break;
		if (j == 4) {
			ps.p = s;
			fail_expect(&ps, "one of 'normal=', 'normal_concat=', "
				    "'reduce=', 'reduce_concat='");
			goto fail;
		}
		if (seen[j]) {
			dca_error_set(err, DCA_ERR_INVALID,
				      "genotype: '%s' given twice (offset %ld)", keys[j],
				      off(&ps, s));
			goto fail;
		}
		seen[j] = 1;
		if (expect_char(&ps, '='))
			goto fail;
		if (j % 2 == 0 ? parse_pairs(&ps, j / 2, &a->cell[j / 2])
			       : parse_concat(&ps, j / 2, &a->cell[j / 2]))
			goto fail;
	}
	accept_char(&ps, ',');
	if (expect_char(&ps, ')'))
		goto fail;
	skip_ws(&ps);
	if (*ps.p) {
		dca_error_set(err, DCA_ERR_INVALID,
			      "genotype: unexpected text after the closing ')' at "
			      "offset %ld", off(&ps, ps.p));
		goto fail;
	}
	return a;
fail:
	if (err && err->code == 0)
		dca_error_set(err, DCA_ERR_INVALID, "genotype: cannot parse text");
	free(a);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */

typedef struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
} sbuf;

static void sb_puts(sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *q;

		while (b->len + n + 1 > cap)
			cap *= 2;
		q = realloc(b->s, cap);
		if (!q) {
			b->oom = 1;
			return;
		}
		b->s = q;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static void format_cell(sbuf *b, int which, const darts_cell *c)
{
	char tmp[64];
	int i;

	sb_puts(b, cell_key[which]);
	sb_puts(b, "=[");
	for (i = 0; i < DARTS_PAIRS; i++) {
		snprintf(tmp, sizeof tmp, "%s('%s', %d)", i ? ", " : "",
			 darts_op_names[c->op[i]], c->in[i]);
		sb_puts(b, tmp);
	}
	sb_puts(b, "], ");
	sb_puts(b, cell_key[which]);
	sb_puts(b, "_concat=[");
	for (i = 0; i < c->n_concat; i++) {
		snprintf(tmp, sizeof tmp, "%s%d", i ? ", " : "", c->concat[i]);
		sb_puts(b, tmp);
	}
	sb_puts(b, "]");
}

static char *darts_arch_format(const dca_arch *a)
{
	sbuf b = { NULL, 0, 0, 0 };

	if (!a)
		return NULL;
	sb_puts(&b, "Genotype(");
	format_cell(&b, 0, &a->cell[0]);
	sb_puts(&b, ", ");
	format_cell(&b, 1, &a->cell[1]);
	sb_puts(&b, ")");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static void darts_arch_free(dca_arch *a)
{
	free(a);
}

/* The genotype as the op kept on each of the 28 search edges (-1: not
 * kept). A genotype that feeds one node the same input twice, or joins
 * other states than the four nodes, has no such form. */
static int darts_arch_choices(const dca_arch *a, int *choice)
{
	int t, i;

	for (i = 0; i < 2 * DARTS_CELL_EDGES; i++)
		choice[i] = -1;
	for (t = 0; t < 2; t++) {
		const darts_cell *c = &a->cell[t];

		if (c->n_concat != DARTS_STEPS)
			return -1;
		for (i = 0; i < DARTS_STEPS; i++)
			if (c->concat[i] != i + 2)
				return -1;
		for (i = 0; i < DARTS_PAIRS; i++) {
			int e = darts_edge(t, i / 2, c->in[i]);

			if (choice[e] >= 0)
				return -1;
			choice[e] = c->op[i];
		}
	}
	return 0;
}

static dca_arch *darts_from_choices(const int *choice, dca_error *err)
{
	static const char *const key[2] = { "normal", "reduce" };
	dca_arch *a = calloc(1, sizeof *a);
	int t, i, j;

	if (!a) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (t = 0; t < 2; t++) {
		darts_cell *c = &a->cell[t];

		for (i = 0; i < DARTS_STEPS; i++) {
			int n = 0;

			for (j = 0; j < i + 2; j++) {
				int op = choice[darts_edge(t, i, j)];

				if (op < 0)
					continue;
				if (op == OP_NONE || op >= DARTS_N_OPS || n == 2) {
					dca_error_set(err, DCA_ERR_INVALID, "darts: %s node %d "
						      "%s", key[t], i, op == OP_NONE ?
						      "keeps a 'none' edge" : n == 2 ?
						      "keeps more than two inputs" : "has a bad op");
					free(a);
					return NULL;
				}
				c->op[2 * i + n] = op;
				c->in[2 * i + n] = j;
				n++;
			}
			if (n != 2) {
				dca_error_set(err, DCA_ERR_INVALID, "darts: %s node %d keeps "
					      "%d inputs; a genotype keeps exactly two",
					      key[t], i, n);
				free(a);
				return NULL;
			}
			c->concat[i] = i + 2;
		}
		c->n_concat = DARTS_STEPS;
	}
	return a;
}

/* ------------------------------------------------------------------ */
/* The evaluation network (NetworkCIFAR)                               */

/* Each helper returns the output tensor id, or -1 when out of memory. All
 * ops of one helper call carry the label `lab`; `pn`, when not NULL, is the
 * model's name for the op's parameters (darts_model.c: the reference code's
 * state_dict keys), and PARAM names the last op's from it (candidate_net's
 * stand-ins pass NULL). */

static int lab_last(dca_net *net, const char *lab)
{
	return dca_net_label_last(net, "%s", lab);
}

#define STEP(expr) do { x = (expr); if (x < 0 || lab_last(net, lab)) return -1; } while (0)
#define PARAM(...) do { if (pn && dca_net_param_last(net, __VA_ARGS__)) return -1; } while (0)

/* ReLU, conv kxk (no bias), BN affine (the reference ReLUConvBN: op.1, op.2) */
static int relu_conv_bn(dca_net *net, int x, int cout, int k, int stride,
			int pad, const char *lab, const char *pn)
{
	STEP(dca_net_relu(net, x));
	STEP(dca_net_conv(net, x, cout, k, stride, pad, 1, 1, 0));
	PARAM("%s.op.1", pn);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.op.2", pn);
	return x;
}

/* ReLU, two 1x1 stride-2 convs to cout/2 (the second on the input shifted by
 * one pixel, same output size for even inputs), concat, BN affine. */
static int factorized_reduce(dca_net *net, int x, int cout, const char *lab,
			     const char *pn)
{
	int ab[2];

	STEP(dca_net_relu(net, x));
	ab[0] = dca_net_conv(net, x, cout / 2, 1, 2, 0, 1, 1, 0);
	if (ab[0] < 0 || lab_last(net, lab))
		return -1;
	PARAM("%s.conv_1", pn);
	ab[1] = dca_net_conv_offset(net, x, 1, cout / 2, 1, 2, 0, 1, 1, 0);
	if (ab[1] < 0 || lab_last(net, lab))
		return -1;
	PARAM("%s.conv_2", pn);
	STEP(dca_net_concat(net, ab, 2));
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.bn", pn);
	return x;
}

/* ReLU, depthwise kxk (dilation d), pointwise 1x1 to cout, BN affine; their
 * parameters are op.FIRST, op.FIRST+1 and op.FIRST+2 */
static int dw_pw_bn(dca_net *net, int x, int cout, int k, int stride, int pad,
		    int dil, const char *lab, const char *pn, int first)
{
	int c = net->tensors[x].c;

	STEP(dca_net_relu(net, x));
	STEP(dca_net_conv(net, x, c, k, stride, pad, dil, c, 0));
	PARAM("%s.op.%d", pn, first);
	STEP(dca_net_conv(net, x, cout, 1, 1, 0, 1, 1, 0));
	PARAM("%s.op.%d", pn, first + 1);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.op.%d", pn, first + 2);
	return x;
}

static int edge_op(dca_net *net, int x, int op, int C, int stride,
		   const char *lab, const char *pn)
{
	switch (op) {
	case OP_NONE:
		STEP(dca_net_zero(net, x, C, stride));
		return x;
	case OP_MAX_POOL_3X3:
		STEP(dca_net_pool(net, x, DCA_OP_MAXPOOL, 3, stride, 1));
		return x;
	case OP_AVG_POOL_3X3:
		STEP(dca_net_pool(net, x, DCA_OP_AVGPOOL, 3, stride, 1));
		return x;
	case OP_SKIP_CONNECT:
		/* stride 1: identity, the input tensor itself (no op) */
		return stride == 1 ? x : factorized_reduce(net, x, C, lab, pn);
	case OP_SEP_CONV_3X3:
	case OP_SEP_CONV_5X5: {
		int k = op == OP_SEP_CONV_3X3 ? 3 : 5;

		x = dw_pw_bn(net, x, C, k, stride, k / 2, 1, lab, pn, 1);
		return x < 0 ? -1 : dw_pw_bn(net, x, C, k, 1, k / 2, 1, lab, pn, 5);
	}
	case OP_DIL_CONV_3X3:
		return dw_pw_bn(net, x, C, 3, stride, 2, 2, lab, pn, 1);
	case OP_DIL_CONV_5X5:
		return dw_pw_bn(net, x, C, 5, stride, 4, 2, lab, pn, 1);
	default:
		return -1;
	}
}

static int build_cell(dca_net *net, int idx, const darts_cell *cell, int s0,
		      int s1, int C, int reduction, int reduction_prev)
{
	int st[DARTS_STATES];
	int cat[DARTS_STATES];
	char lab[96], pn[64];
	int i, x;

	snprintf(lab, sizeof lab, "cell%d/preprocess0", idx);
	snprintf(pn, sizeof pn, "cells.%d.preprocess0", idx);
	st[0] = reduction_prev ? factorized_reduce(net, s0, C, lab, pn)
			       : relu_conv_bn(net, s0, C, 1, 1, 0, lab, pn);
	if (st[0] < 0)
		return -1;
	snprintf(lab, sizeof lab, "cell%d/preprocess1", idx);
	snprintf(pn, sizeof pn, "cells.%d.preprocess1", idx);
	st[1] = relu_conv_bn(net, s1, C, 1, 1, 0, lab, pn);
	if (st[1] < 0)
		return -1;
	for (i = 0; i < DARTS_STEPS; i++) {
		int h[2], j;

		for (j = 0; j < 2; j++) {
			int e = 2 * i + j;
			int in = cell->in[e];
			int stride = reduction && in < 2 ? 2 : 1;

			snprintf(lab, sizeof lab, "cell%d/node%d/%s", idx, i,
				 darts_op_names[cell->op[e]]);
			snprintf(pn, sizeof pn, "cells.%d._ops.%d", idx, e);
			h[j] = edge_op(net, st[in], cell->op[e], C, stride, lab, pn);
			if (h[j] < 0)
				return -1;
		}
		snprintf(lab, sizeof lab, "cell%d/node%d/add", idx, i);
		STEP(dca_net_add(net, h, 2));
		st[i + 2] = x;
	}
	for (i = 0; i < cell->n_concat; i++)
		cat[i] = st[cell->concat[i]];
	snprintf(lab, sizeof lab, "cell%d/concat", idx);
	STEP(dca_net_concat(net, cat, cell->n_concat));
	return x;
}

static int aux_head(dca_net *net, int x, int classes)
{
	const char *lab = "auxiliary", *pn = "auxiliary_head";

	STEP(dca_net_relu(net, x));
	STEP(dca_net_pool(net, x, DCA_OP_AVGPOOL, 5, 3, 0));
	STEP(dca_net_conv(net, x, 128, 1, 1, 0, 1, 1, 0));
	PARAM("%s.features.2", pn);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.features.3", pn);
	STEP(dca_net_relu(net, x));
	STEP(dca_net_conv(net, x, 768, 2, 1, 0, 1, 1, 0));
	PARAM("%s.features.5", pn);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.features.6", pn);
	STEP(dca_net_relu(net, x));
	STEP(dca_net_linear(net, x, classes, 1));
	PARAM("%s.classifier", pn);
	return x;
}

#undef STEP
#undef PARAM

static const dca_space darts_space;

static int darts_build_net(const dca_arch *a, const dca_net_shape *shape_in,
			   dca_net *net, dca_error *err)
{
	dca_net_shape sh = darts_space.default_shape;
	int C, s0, s1, x, i, red_prev = 0, red1, red2, logits;
	int k;

	if (!a || !net)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: build_net needs an arch and a net");
	if (shape_in) {
		sh = *shape_in;
		if (!sh.in_c)
			sh.in_c = darts_space.default_shape.in_c;
		if (!sh.in_h)
			sh.in_h = darts_space.default_shape.in_h;
		if (!sh.in_w)
			sh.in_w = darts_space.default_shape.in_w;
		if (!sh.classes)
			sh.classes = darts_space.default_shape.classes;
		if (!sh.width)
			sh.width = darts_space.default_shape.width;
		if (!sh.cells)
			sh.cells = darts_space.default_shape.cells;
	}
	if (sh.in_c < 1 || sh.in_h < 4 || sh.in_w < 4 || sh.in_h % 4 || sh.in_w % 4)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: input %dx%dx%d not supported; the two "
				     "reduction cells halve the image twice, so height "
				     "and width must be positive multiples of 4 (CIFAR: "
				     "3x32x32)", sh.in_c, sh.in_h, sh.in_w);
	if (sh.classes < 1)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: classes must be at least 1 (got %d)",
				     sh.classes);
	if (sh.width < 2)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: width (initial channels C) must be at "
				     "least 2 (got %d)", sh.width);
	if (sh.cells < 3)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: cells (layers) must be at least 3 so that "
				     "the reduction cells at layers/3 and 2*layers/3 "
				     "are distinct and not first (got %d)", sh.cells);
	if (sh.auxiliary) {
		/* 8x8 after two reductions at 32x32: avgpool 5/3 -> 2x2, conv 2x2 -> 1x1 */
		int ah = (sh.in_h / 4 - 5) / 3 + 1, aw = (sh.in_w / 4 - 5) / 3 + 1;

		if (sh.in_h / 4 < 5 || sh.in_w / 4 < 5 || ah != 2 || aw != 2)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "darts: the auxiliary head needs an 8x8..10x10 "
					     "map after the second reduction (input 32..40 "
					     "square); input is %dx%d", sh.in_h, sh.in_w);
	}
	for (k = 0; k < 2; k++) {
		const darts_cell *c = &a->cell[k];

		if (c->n_concat < 1 || c->n_concat > DARTS_STATES)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "darts: %s_concat has %d states",
					     cell_key[k], c->n_concat);
		for (i = 0; i < DARTS_PAIRS; i++)
			if (c->op[i] < 0 || c->op[i] >= DARTS_N_OPS || c->in[i] < 0 ||
			    c->in[i] >= i / 2 + 2)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: %s pair %d is invalid",
						     cell_key[k], i);
	}

	C = sh.width;
	red1 = sh.cells / 3;
	red2 = 2 * sh.cells / 3;

	x = dca_net_input(net, sh.in_c, sh.in_h, sh.in_w);
	if (x < 0)
		goto oom;
	/* stem: conv 3x3 to 3C (no bias), BN */
	x = dca_net_conv(net, x, 3 * C, 3, 1, 1, 1, 1, 0);
	if (x < 0 || dca_net_label_last(net, "stem") || dca_net_param_last(net, "stem.0"))
		goto oom;
	x = dca_net_batchnorm(net, x, 1);
	if (x < 0 || dca_net_label_last(net, "stem") || dca_net_param_last(net, "stem.1"))
		goto oom;
	s0 = s1 = x;
	for (i = 0; i < sh.cells; i++) {
		int red = i == red1 || i == red2;
		const darts_cell *cell = &a->cell[red ? 1 : 0];

		if (red)
			C *= 2;
		/* cell inputs: the previous-previous and the previous output;
		 * its channels are C * len(concat) */
		x = build_cell(net, i, cell, s0, s1, C, red, red_prev);
		if (x < 0)
			goto oom;
		s0 = s1;
		s1 = x;
		red_prev = red;
		if (i == red2 && sh.auxiliary && aux_head(net, s1, sh.classes) < 0)
			goto oom;
	}
	x = dca_net_global_avgpool(net, s1);
	if (x < 0 || dca_net_label_last(net, "classifier"))
		goto oom;
	logits = dca_net_linear(net, x, sh.classes, 1);
	if (logits < 0 || dca_net_label_last(net, "classifier") ||
	    dca_net_param_last(net, "classifier"))
		goto oom;
	net->output = logits;
	return 0;
oom:
	return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building the network");
}

/* ------------------------------------------------------------------ */
/* Searching                                                           */

/* Walk the evaluation network's cells as build_net does: for each cell,
 * its type, channels and the spatial size of its inputs. */
typedef struct cell_walk {
	int type, C, h, w;
} cell_walk;

static int walk_cells(const dca_net_shape *sh, cell_walk *out)
{
	int i, C = sh->width, h = sh->in_h, w = sh->in_w;

	for (i = 0; i < sh->cells; i++) {
		int red = i == sh->cells / 3 || i == 2 * sh->cells / 3;

		if (red)
			C *= 2;
		out[i] = (cell_walk){ red, C, h, w };
		if (red) {
			h /= 2;
			w /= 2;
		}
	}
	return sh->cells;
}

/* The ops candidate `op` on search edge `edge` adds to every cell of that
 * type (each on a stand-in input of the state's shape). */
static int darts_candidate_net(const dca_net_shape *shape, int edge, int op,
			       dca_net *net, dca_error *err)
{
	int t = edge / DARTS_CELL_EDGES, j = darts_edge_input(edge % DARTS_CELL_EDGES);
	cell_walk *cells;
	int i, n;

	if (edge < 0 || edge >= 2 * DARTS_CELL_EDGES || op < 0 || op >= DARTS_N_OPS ||
	    shape->cells < 3)
		return dca_error_set(err, DCA_ERR_INVALID, "darts: no edge %d op %d "
				     "(or fewer than 3 cells)", edge, op);
	if (!(cells = calloc((size_t)shape->cells, sizeof *cells)))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	n = walk_cells(shape, cells);
	for (i = 0; i < n; i++) {
		const cell_walk *c = &cells[i];
		int stride = c->type && j < 2 ? 2 : 1, x;
		/* the cell inputs keep the cell's input size, nodes have its output's */
		int h = j < 2 || !c->type ? c->h : c->h / 2;
		int w = j < 2 || !c->type ? c->w : c->w / 2;

		if (c->type != t)
			continue;
		x = dca_net_input(net, c->C, h, w);
		if (x < 0 || (op != OP_NONE &&
			      edge_op(net, x, op, c->C, stride, darts_op_names[op], NULL) < 0)) {
			free(cells);
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		}
	}
	free(cells);
	return 0;
}

/* The derivation rule (DARTS, with PC-DARTS's edge normalisation): an
 * edge's strength is its strongest non-'none' op's softmax weight times its
 * softmax(beta) weight among the node's inputs; each node keeps its two
 * strongest edges, each with its strongest non-'none' op. */
static void darts_keep(const float *alpha, const float *beta, int t, int node,
		       int kept[2])
{
	double pb[DARTS_STATES], pa[DARTS_N_OPS], strength[DARTS_STATES];
	int j, o, e0 = darts_edge(t, node, 0);

	dca_softmax_logits(beta + e0, node + 2, pb);
	for (j = 0; j < node + 2; j++) {
		double best = 0;

		dca_softmax_logits(alpha + (size_t)(e0 + j) * DARTS_N_OPS, DARTS_N_OPS, pa);
		for (o = 1; o < DARTS_N_OPS; o++)
			if (pa[o] > best)
				best = pa[o];
		strength[j] = best * pb[j];
	}
	kept[0] = 0;
	for (j = 1; j < node + 2; j++)
		if (strength[j] > strength[kept[0]])
			kept[0] = j;
	kept[1] = kept[0] == 0 ? 1 : 0;
	for (j = 0; j < node + 2; j++)
		if (j != kept[0] && strength[j] > strength[kept[1]])
			kept[1] = j;
}

/* the kept edges (2 per node, both cell types), in a fixed order */
static void kept_edges(const float *alpha, const float *beta,
		       int kept[2 * DARTS_STEPS * 2])
{
	int t, i, k = 0, two[2];

	for (t = 0; t < 2; t++)
		for (i = 0; i < DARTS_STEPS; i++) {
			darts_keep(alpha, beta, t, i, two);
			kept[k++] = darts_edge(t, i, two[0]);
			kept[k++] = darts_edge(t, i, two[1]);
		}
}

static void darts_derive(const float *alpha, const float *beta, int *choice)
{
	int kept[4 * DARTS_STEPS], i, k, o;

	for (i = 0; i < 2 * DARTS_CELL_EDGES; i++)
		choice[i] = -1;
	kept_edges(alpha, beta, kept);
	for (k = 0; k < 4 * DARTS_STEPS; k++) {
		const float *a = alpha + (size_t)kept[k] * DARTS_N_OPS;
		int best = 1;

		for (o = 2; o < DARTS_N_OPS; o++)
			if (a[o] > a[best])
				best = o;
		choice[kept[k]] = best;
	}
}

/* Over the edges the rule keeps now, the expected cost under the softmax of
 * the non-'none' ops (the ops the rule may keep). The choice of edges is
 * piecewise constant in alpha: its gradient is zero almost everywhere. */
static double darts_estimate(const float *alpha, const float *beta,
			     const double *table, float scale, float *grad)
{
	double total = 0, q[DARTS_N_OPS];
	int kept[4 * DARTS_STEPS], k, o;

	kept_edges(alpha, beta, kept);
	for (k = 0; k < 4 * DARTS_STEPS; k++) {
		int e = kept[k];
		const double *c = table + (size_t)e * DARTS_N_OPS;
		double mean = 0;

		dca_softmax_logits(alpha + (size_t)e * DARTS_N_OPS + 1, DARTS_N_OPS - 1, q);
		for (o = 1; o < DARTS_N_OPS; o++)
			mean += q[o - 1] * c[o];
		total += mean;
		if (grad)
			for (o = 1; o < DARTS_N_OPS; o++)
				grad[(size_t)e * DARTS_N_OPS + o] +=
					(float)(scale * q[o - 1] * (c[o] - mean));
	}
	return total;
}

/* Graphviz: one cluster per cell type, as the DARTS paper draws them */
static char *darts_dot(const dca_arch *a)
{
	static const char *const key[2] = { "normal", "reduce" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int t, i;

	if (!f)
		return NULL;
	fprintf(f, "digraph darts_genotype {\n  rankdir=LR;\n"
		"  node [shape=box, style=\"rounded,filled\", fillcolor=lightblue];\n");
	for (t = 0; t < 2; t++) {
		const darts_cell *c = &a->cell[t];

		fprintf(f, "  subgraph cluster_%s {\n    label=\"%s cell\";\n", key[t], key[t]);
		fprintf(f, "    %s_s0 [label=\"c_{k-2}\", fillcolor=darkseagreen2];\n", key[t]);
		fprintf(f, "    %s_s1 [label=\"c_{k-1}\", fillcolor=darkseagreen2];\n", key[t]);
		for (i = 0; i < DARTS_STEPS; i++)
			fprintf(f, "    %s_s%d [label=\"%d\"];\n", key[t], i + 2, i);
		fprintf(f, "    %s_out [label=\"c_{k}\", fillcolor=palegoldenrod];\n", key[t]);
		for (i = 0; i < DARTS_PAIRS; i++)
			fprintf(f, "    %s_s%d -> %s_s%d [label=\"%s\"];\n", key[t],
				c->in[i], key[t], i / 2 + 2, darts_op_names[c->op[i]]);
		for (i = 0; i < c->n_concat; i++)
			fprintf(f, "    %s_s%d -> %s_out;\n", key[t], c->concat[i], key[t]);
		fprintf(f, "  }\n");
	}
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* Module                                                              */

static const dca_space darts_space = {
	DCA_SPACE_INIT,
	.name = "darts",
	.format_name = "DARTS genotype",
	.summary = "DARTS cell space (normal + reduction cells, 8 ops); "
		   "evaluation network NetworkCIFAR",
	.default_shape = {
		.in_c = 3, .in_h = 32, .in_w = 32,
		.classes = 10, .width = 36, .cells = 20, .auxiliary = 0,
	},
	.n_ops = DARTS_N_OPS,
	.op_names = darts_op_names,
	.n_edges = 2 * DARTS_CELL_EDGES,
	.arch_parse = darts_arch_parse,
	.arch_format = darts_arch_format,
	.arch_free = darts_arch_free,
	.arch_choices = darts_arch_choices,
	.build_net = darts_build_net,
	.build_model = dcap_darts_build_model,
	.search_shape = { .width = 16, .cells = 8 },
	.build_supernet = dcap_darts_build_supernet,
	.candidate_net = darts_candidate_net,
	.derive = darts_derive,
	.estimate = darts_estimate,
	.arch_from_choices = darts_from_choices,
	.arch_dot = darts_dot,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_space(reg, &darts_space, err);
}

DCA_MODULE_DEFINE("darts", PACKAGE_VERSION,
		  "DARTS search space: genotype parser/printer and the "
		  "NetworkCIFAR evaluation network",
		  "MIT", register_plugins);

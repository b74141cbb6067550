/* dcanas — DARTS genotypes: the field's text format
 * (Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5],
 * reduce=[...], reduce_concat=[...])), parsed with errors that name the
 * offset, printed back, and the genotype as the op kept on each of the
 * 28 search edges (and back). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#include "darts.h"

const char *const darts_op_names[DARTS_N_OPS] = {
	"none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
	"sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
};

const char *const darts_cell_key[2] = { "normal", "reduce" };

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
					     "%d (%d nodes x 2 inputs)", darts_cell_key[which],
					     DARTS_PAIRS, off(ps, name_at), DARTS_PAIRS,
					     DARTS_STEPS);
		if (in < 0 || in >= n / 2 + 2)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: %s input %d of node %d at offset %ld "
					     "is out of range; node %d takes inputs 0..%d",
					     darts_cell_key[which], in, n / 2, off(ps, in_at),
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
				     darts_cell_key[which], n, off(ps, list_at), DARTS_PAIRS,
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
				     "of range; states are 0..%d", darts_cell_key[which], v,
				     off(ps, at), DARTS_STATES - 1);
	for (i = 0; i < cell->n_concat; i++)
		if (cell->concat[i] == v)
			return dca_error_set(ps->err, DCA_ERR_INVALID,
					     "genotype: %s_concat names state %d twice "
					     "(offset %ld)", darts_cell_key[which], v, off(ps, at));
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
					     darts_cell_key[which], lo, hi, off(ps, at),
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
				     darts_cell_key[which], off(ps, at));
	return 0;
}

dca_arch *darts_arch_parse(const char *text, dca_error *err)
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

	sb_puts(b, darts_cell_key[which]);
	sb_puts(b, "=[");
	for (i = 0; i < DARTS_PAIRS; i++) {
		snprintf(tmp, sizeof tmp, "%s('%s', %d)", i ? ", " : "",
			 darts_op_names[c->op[i]], c->in[i]);
		sb_puts(b, tmp);
	}
	sb_puts(b, "], ");
	sb_puts(b, darts_cell_key[which]);
	sb_puts(b, "_concat=[");
	for (i = 0; i < c->n_concat; i++) {
		snprintf(tmp, sizeof tmp, "%s%d", i ? ", " : "", c->concat[i]);
		sb_puts(b, tmp);
	}
	sb_puts(b, "]");
}

char *darts_arch_format(const dca_arch *a)
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

void darts_arch_free(dca_arch *a)
{
	free(a);
}

/* The genotype as the op kept on each of the 28 search edges (-1: not
 * kept). A genotype that feeds one node the same input twice, or joins
 * other states than the four nodes, has no such form. */
int darts_arch_choices(const dca_arch *a, int *choice)
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

dca_arch *darts_from_choices(const int *choice, dca_error *err)
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

/* dcanas — ImageNet16-120, the down-sampled ImageNet NAS-Bench-201 reports
 * on: DIR/train_data_batch_1 .. _10 and DIR/val_data, each a Python pickle
 * of {"data": uint8 array N x 768 (3 planes of 16x16), "labels": [1..1000],
 * ...} (Chrabaszcz et al. 2017). ImageNet16-120 keeps the images labelled
 * 1..120, as class label - 1 (NAS-Bench-201's loader does the same).
 *
 * The pickles are read by a small interpreter of the pickle opcodes such a
 * file can hold (protocols 0 to 5: dicts, lists, tuples, numbers, strings
 * and bytes, globals, REDUCE/BUILD), enough to rebuild numpy's
 * ndarray.__reduce__ output; it calls nothing, so a hostile file can only
 * fail to parse. The array's bytes come as a Python 2 str (the published
 * files), bytes (protocol 3+) or _codecs.encode(text, "latin1") (Python 3
 * at protocol 0-2). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/data.h>

#include "../atomic_file.h"

enum { V_NONE, V_BOOL, V_INT, V_FLOAT, V_BYTES, V_TUPLE, V_LIST, V_DICT,
       V_GLOBAL, V_OBJ, V_MARK };

typedef struct value value;
struct value {
	int type;
	int64_t i;
	const unsigned char *bytes;   /* V_BYTES, V_GLOBAL ("module name") */
	size_t len;
	int utf8;                     /* V_BYTES: text in UTF-8 (else latin-1) */
	value **items;                /* tuple, list; dict: key, value pairs */
	size_t n, cap;
	value *call, *args, *state;   /* V_OBJ: callable(*args), then state */
};

typedef struct vm {
	const unsigned char *p, *end;
	value **stack;
	size_t sp, cap;
	value **memo;
	size_t n_memo, puts;          /* capacity; entries stored (0..puts-1) */
	value **vals;                 /* every value made, to free */
	size_t n_vals, cap_vals;
	void **bufs;                  /* every decoded string, to free */
	size_t n_bufs, cap_bufs;
	char err[200];
} vm;

/* append p to the list *v (n, cap); p, or NULL (p freed) when out of memory */
static void *track(void ***v, size_t *n, size_t *cap, void *p)
{
	if (p && *n == *cap) {
		size_t c = *cap ? 2 * *cap : 1024;
		void **q = realloc(*v, c * sizeof *q);
		if (!q) {
			free(p);
			return NULL;
		}
		*v = q;
		*cap = c;
	}
	if (p)
		(*v)[(*n)++] = p;
	return p;
}

static void *keep(vm *m, void *p)
{
	return track(&m->bufs, &m->n_bufs, &m->cap_bufs, p);
}

static value *new_value(vm *m, int type)
{
	value *v = track((void ***)&m->vals, &m->n_vals, &m->cap_vals, calloc(1, sizeof *v));

	if (v)
		v->type = type;
	return v;
}

/* append x to the list *v of *n items (capacity *cap); 0 or -1 */
static int append(value ***v, size_t *n, size_t *cap, value *x)
{
	if (!x)
		return -1;
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		value **q = realloc(*v, c * sizeof *q);
		if (!q)
			return -1;
		*v = q;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int add_item(value *c, value *x)
{
	return append(&c->items, &c->n, &c->cap, x);
}

static int push(vm *m, value *v)
{
	return append(&m->stack, &m->sp, &m->cap, v);
}

static value *pop(vm *m)
{
	return m->sp ? m->stack[--m->sp] : NULL;
}

/* the index of the topmost mark, or -1 */
static long mark_at(vm *m)
{
	size_t k = m->sp;

	while (k-- > 0)
		if (m->stack[k]->type == V_MARK)
			return (long)k;
	return -1;
}

static int need(vm *m, size_t n)
{
	return (size_t)(m->end - m->p) >= n ? 0 : -1;
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* a text argument's number (protocol 0's I, L, PUT, GET), read from a
 * NUL-terminated copy: strtoll would skip the newline as blank and read on */
static long long line_number(const unsigned char *s, size_t n)
{
	char buf[32];

	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

/* the value of the n hex digits at s, or -1 when one is not */
static long hex_digits(const unsigned char *s, int n)
{
	long v = 0;

	while (n-- > 0) {
		int c = *s++;
		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
			      c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000000);
		if (v < 0)
			return -1;
	}
	return v;
}

/* a text argument: up to the newline */
static const unsigned char *line(vm *m, size_t *len)
{
	const unsigned char *s = m->p, *nl = memchr(s, '\n', (size_t)(m->end - s));

	if (!nl)
		return NULL;
	*len = (size_t)(nl - s);
	m->p = nl + 1;
	return s;
}

static value *bytes_value(vm *m, const unsigned char *p, size_t n)
{
	value *v = new_value(m, V_BYTES);

	if (v) {
		v->bytes = p;
		v->len = n;
	}
	return v;
}

/* protocol 0's quoted string ('...' with \\, \', \xhh, \n escapes) and raw
 * unicode (latin-1 bytes, \uXXXX), decoded into a new buffer; text beyond
 * latin-1 is refused (no data file holds it) */
static value *text_value(vm *m, const unsigned char *s, size_t n, int quoted)
{
	unsigned char *out = keep(m, malloc(n + 1));
	size_t i = 0, k = 0;

	if (!out)
		return NULL;
	if (quoted) {
		if (n < 2 || (s[0] != '\'' && s[0] != '"') || s[n - 1] != s[0])
			return NULL;
		i = 1;
		n--;
	}
	while (i < n) {
		unsigned c = s[i++];
		if (c == '\\' && i < n) {
			unsigned e = s[i++];
			if (e == 'x' && i + 2 <= n) {
				long hv = hex_digits(s + i, 2);
				if (hv < 0)
					return NULL;
				c = (unsigned)hv;
				i += 2;
			} else if (e == 'u' && !quoted && i + 4 <= n) {
				long hv = hex_digits(s + i, 4);
				if (hv < 0)
					return NULL;
				i += 4;
				if (hv > 255)         /* not latin-1: no data file's */
					return NULL;
				c = (unsigned)hv;
			} else if (quoted)
				c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
			else {
				out[k++] = '\\';
				c = e;
			}
		}
		out[k++] = (unsigned char)c;
	}
	return bytes_value(m, out, k);
}

/* UTF-8 of code points 0..255 back to those bytes (_codecs.encode(s,
 * "latin1")); NULL for a code point above 255 */
static value *latin1(vm *m, value *s)
{
	unsigned char *out;
	size_t i = 0, k = 0;

	if (!s->utf8)             /* protocol 0's text: latin-1 already */
		return s;
	if (!(out = keep(m, malloc(s->len + 1))))
		return NULL;
	while (i < s->len) {
		unsigned c = s->bytes[i++];
		if (c >= 0x80) {
			if ((c & 0xe0) != 0xc0 || i >= s->len)
				return NULL;
			c = (c & 0x1f) << 6 | (s->bytes[i++] & 0x3f);
			if (c > 255)
				return NULL;
		}
		out[k++] = (unsigned char)c;
	}
	return bytes_value(m, out, k);
}

static int is_global(const value *v, const char *name)
{
	size_t n = strlen(name);

	return v && v->type == V_GLOBAL && v->len == n && !memcmp(v->bytes, name, n);
}

static int memo_put(vm *m, size_t at)
{
	/* picklers number memo entries in order: an index past the next one
	 * is no pickle's (and would make this allocate without bound) */
	if (!m->sp || at > m->puts)
		return -1;
	if (at == m->puts)
		m->puts++;
	if (at >= m->n_memo) {
		size_t n = at + 64;
		value **q = realloc(m->memo, n * sizeof *q);
		if (!q)
			return -1;
		memset(q + m->n_memo, 0, (n - m->n_memo) * sizeof *q);
		m->memo = q;
		m->n_memo = n;
	}
	m->memo[at] = m->stack[m->sp - 1];
	return 0;
}

static value *memo_get(vm *m, size_t at)
{
	return at < m->n_memo ? m->memo[at] : NULL;
}

/* the items above the topmost mark, as a new container of type t */
static value *collect(vm *m, int t)
{
	long k = mark_at(m);
	value *c = new_value(m, t);
	size_t i;

	if (k < 0 || !c)
		return NULL;
	for (i = (size_t)k + 1; i < m->sp; i++)
		if (add_item(c, m->stack[i]))
			return NULL;
	m->sp = (size_t)k;
	return c;
}

#define FAIL(...) do { snprintf(m->err, sizeof m->err, __VA_ARGS__); return NULL; } while (0)

/* run to STOP; the result, or NULL with m->err set */
static value *run(vm *m)
{
	static value mark = { .type = V_MARK };

	while (m->p < m->end) {
		unsigned op = *m->p++;
		const unsigned char *s;
		size_t n;
		value *a, *b, *c;

		switch (op) {
		case 0x80:                     /* PROTO */
			if (need(m, 1) || m->p[0] > 5)
				FAIL("pickle protocol %d", m->p < m->end ? m->p[0] : -1);
			m->p++;
			break;
		case 0x95:                     /* FRAME */
			if (need(m, 8))
				FAIL("truncated");
			m->p += 8;
			break;
		case '.':                      /* STOP */
			return pop(m);
		case '(':
			if (push(m, &mark))
				FAIL("out of memory");
			break;
		case '}': case ']': case ')':
			if (push(m, new_value(m, op == '}' ? V_DICT : op == ']' ? V_LIST : V_TUPLE)))
				FAIL("out of memory");
			break;
		case 'd': case 'l': case 't':
			if (push(m, collect(m, op == 'd' ? V_DICT : op == 'l' ? V_LIST : V_TUPLE)))
				FAIL("a %c without its mark", op);
			break;
		case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
			size_t k = op - 0x84, i;
			if (m->sp < k || !(c = new_value(m, V_TUPLE)))
				FAIL("a short stack");
			for (i = m->sp - k; i < m->sp; i++)
				if (add_item(c, m->stack[i]))
					FAIL("out of memory");
			m->sp -= k;
			if (push(m, c))
				FAIL("out of memory");
			break;
		}
		case 's': case 'u': case 'a': case 'e': {
			long k = op == 's' || op == 'a' ? (long)m->sp - (op == 's' ? 3 : 2) : mark_at(m);
			size_t i;
			if (k < 0 || (size_t)k >= m->sp || ((op == 'u' || op == 'e') && k == 0))
				FAIL("a short stack");
			c = m->stack[op == 's' || op == 'a' ? (size_t)k : (size_t)k - 1];
			if (c->type != (op == 's' || op == 'u' ? V_DICT : V_LIST))
				FAIL("SETITEM/APPEND on the wrong type");
			for (i = (size_t)k + 1; i < m->sp; i++)
				if (add_item(c, m->stack[i]))
					FAIL("out of memory");
			m->sp = (size_t)k + (op == 's' || op == 'a');
			break;
		}
		case 'q': case 'r': case 0x94: case 'p': {     /* PUT */
			size_t at = m->n_memo;
			if (op == 'q' || op == 'r') {
				if (need(m, op == 'q' ? 1 : 4))
					FAIL("truncated");
				at = (size_t)le(m->p, op == 'q' ? 1 : 4);
				m->p += op == 'q' ? 1 : 4;
			} else if (op == 'p') {
				if (!(s = line(m, &n)))
					FAIL("truncated");
				at = (size_t)line_number(s, n);
			} else {
				at = m->puts;       /* MEMOIZE: the next entry */
			}
			if (memo_put(m, at))
				FAIL("a memo index (%zu) out of order, or out of memory", at);
			break;
		}
		case 'h': case 'j': case 'g': {                /* GET */
			size_t at;
			if (op == 'g') {
				if (!(s = line(m, &n)))
					FAIL("truncated");
				at = (size_t)line_number(s, n);
			} else {
				if (need(m, op == 'h' ? 1 : 4))
					FAIL("truncated");
				at = (size_t)le(m->p, op == 'h' ? 1 : 4);
				m->p += op == 'h' ? 1 : 4;
			}
			if (push(m, memo_get(m, at)))
				FAIL("a memo entry that does not exist");
			break;
		}
		case 'K': case 'M': case 'J':
			n = op == 'K' ? 1 : op == 'M' ? 2 : 4;
			if (need(m, n) || !(a = new_value(m, V_INT)))
				FAIL("truncated");
			a->i = (int64_t)le(m->p, (int)n);
			if (op == 'J')
				a->i = (int32_t)(uint32_t)a->i;
			m->p += n;
			push(m, a);
			break;
		case 0x8a: {                   /* LONG1 */
			if (need(m, 1) || need(m, 1 + (n = m->p[0])) || n > 8 ||
			    !(a = new_value(m, V_INT)))
				FAIL("an integer this reader does not hold");
			a->i = (int64_t)le(m->p + 1, (int)n);
			if (n && n < 8 && (m->p[n] & 0x80))
				a->i -= (int64_t)1 << (8 * n);
			m->p += 1 + n;
			push(m, a);
			break;
		}
		case 'I': case 'L':            /* text integers; I01/I00 are booleans */
			if (!(s = line(m, &n)) || !(a = new_value(m, V_INT)))
				FAIL("truncated");
			a->i = line_number(s, n);
			if (op == 'I' && n == 2 && s[0] == '0')
				a->type = V_BOOL;
			push(m, a);
			break;
		case 'N':
			push(m, new_value(m, V_NONE));
			break;
		case 0x88: case 0x89:
			if ((a = new_value(m, V_BOOL)))
				a->i = op == 0x88;
			push(m, a);
			break;
		case 'G': case 'F':
			if ((op == 'G' && need(m, 8)) || (op == 'F' && !line(m, &n)))
				FAIL("truncated");
			if (op == 'G')
				m->p += 8;
			push(m, new_value(m, V_FLOAT));      /* value not needed */
			break;
		case 'U': case 'C': case 0x8c:           /* 1-byte length */
		case 'T': case 'B': case 'X':            /* 4 */
		case 0x8e: case 0x8d: {                  /* 8 */
			int w = op == 'U' || op == 'C' || op == 0x8c ? 1 :
				op == 0x8e || op == 0x8d ? 8 : 4;
			if (need(m, (size_t)w))
				FAIL("truncated");
			n = (size_t)le(m->p, w);
			m->p += w;
			if (need(m, n))
				FAIL("truncated: a string of %zu bytes runs past the end", n);
			if (push(m, bytes_value(m, m->p, n)))
				FAIL("out of memory");
			/* BINUNICODE's are UTF-8 */
			m->stack[m->sp - 1]->utf8 = op == 'X' || op == 0x8c || op == 0x8d;
			m->p += n;
			break;
		}
		case 'S': case 'V':
			if (!(s = line(m, &n)) || push(m, text_value(m, s, n, op == 'S')))
				FAIL("a malformed text string");
			break;
		case 'c': {                    /* GLOBAL module\nname\n */
			const unsigned char *mod, *name;
			size_t lm, ln;
			unsigned char *g;
			if (!(mod = line(m, &lm)) || !(name = line(m, &ln)) ||
			    !(g = keep(m, malloc(lm + ln + 2))))
				FAIL("truncated");
			memcpy(g, mod, lm);
			g[lm] = '.';
			memcpy(g + lm + 1, name, ln);
			if (!(a = bytes_value(m, g, lm + ln + 1)))
				FAIL("out of memory");
			a->type = V_GLOBAL;
			push(m, a);
			break;
		}
		case 0x93: {                   /* STACK_GLOBAL */
			unsigned char *g;
			b = pop(m);
			a = pop(m);
			if (!a || !b || a->type != V_BYTES || b->type != V_BYTES ||
			    !(g = keep(m, malloc(a->len + b->len + 2))))
				FAIL("a malformed global");
			memcpy(g, a->bytes, a->len);
			g[a->len] = '.';
			memcpy(g + a->len + 1, b->bytes, b->len);
			if (!(c = bytes_value(m, g, a->len + b->len + 1)))
				FAIL("out of memory");
			c->type = V_GLOBAL;
			push(m, c);
			break;
		}
		case 'R': case 0x81:           /* REDUCE, NEWOBJ */
			b = pop(m);
			a = pop(m);
			if (!a || !b || b->type != V_TUPLE)
				FAIL("a malformed call");
			if (is_global(a, "_codecs.encode") && b->n == 2 &&
			    b->items[0]->type == V_BYTES) {
				if (push(m, latin1(m, b->items[0])))
					FAIL("a _codecs.encode of text that is not latin-1");
				break;
			}
			if (!(c = new_value(m, V_OBJ)))
				FAIL("out of memory");
			c->call = a;
			c->args = b;
			push(m, c);
			break;
		case 'b':                      /* BUILD */
			b = pop(m);
			if (!b || !m->sp)
				FAIL("a short stack");
			m->stack[m->sp - 1]->state = b;
			break;
		case '0':
			pop(m);
			break;
		case '1': {
			long k = mark_at(m);
			if (k < 0)
				FAIL("POP_MARK without a mark");
			m->sp = (size_t)k;
			break;
		}
		case '2':
			if (!m->sp || push(m, m->stack[m->sp - 1]))
				FAIL("a short stack");
			break;
		default:
			FAIL("opcode 0x%02x, which a data file has no use for", op);
		}
	}
	FAIL("no STOP: the file is truncated");
}

static value *dict_get(const value *d, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; d && d->type == V_DICT && i + 1 < d->n; i += 2)
		if (d->items[i]->type == V_BYTES && d->items[i]->len == n &&
		    !memcmp(d->items[i]->bytes, key, n))
			return d->items[i + 1];
	return NULL;
}

/* numpy's ndarray.__reduce__: _reconstruct(ndarray, (0,), b'b') with the
 * state (version, shape, dtype, fortran, data): a uint8 array N x 768 */
static const unsigned char *u8_array(const value *a, size_t *rows, size_t *cols)
{
	const value *st = a ? a->state : NULL, *shape, *dt, *data;

	if (!a || a->type != V_OBJ || (!is_global(a->call, "numpy.core.multiarray._reconstruct") &&
				       !is_global(a->call, "numpy._core.multiarray._reconstruct")) ||
	    !st || st->type != V_TUPLE || st->n != 5)
		return NULL;
	shape = st->items[1];
	dt = st->items[2];
	data = st->items[4];
	if (shape->type != V_TUPLE || shape->n != 2 || shape->items[0]->type != V_INT ||
	    shape->items[1]->type != V_INT || dt->type != V_OBJ || !dt->args ||
	    dt->args->n < 1 || dt->args->items[0]->type != V_BYTES ||
	    dt->args->items[0]->len != 2 || memcmp(dt->args->items[0]->bytes, "u1", 2) ||
	    data->type != V_BYTES)
		return NULL;
	if (shape->items[0]->i < 0 || shape->items[1]->i <= 0)
		return NULL;
	*rows = (size_t)shape->items[0]->i;
	*cols = (size_t)shape->items[1]->i;
	/* rows * cols without overflow */
	return *rows <= data->len / *cols && data->len == *rows * *cols ? data->bytes : NULL;
}

static void vm_free(vm *m)
{
	size_t i;

	for (i = 0; i < m->n_vals; i++) {
		free(m->vals[i]->items);
		free(m->vals[i]);
	}
	for (i = 0; i < m->n_bufs; i++)
		free(m->bufs[i]);
	free(m->vals);
	free(m->bufs);
	free(m->stack);
	free(m->memo);
}

/* append the images labelled 1..120 of one batch file's bytes (buf, size;
 * path for messages) to d */
static int parse_batch(const unsigned char *buf, size_t size, const char *path,
		       dca_dataset *d, size_t *cap, dca_error *err)
{
	vm m;
	value *root, *labels;
	const unsigned char *px;
	size_t rows, cols, i;
	int rc = 0;

	memset(&m, 0, sizeof m);
	m.p = buf;
	m.end = buf + size;
	root = run(&m);
	if (!root) {
		rc = dca_error_set(err, DCA_ERR_IO, "%s: not a pickle this reader "
				   "understands, at byte %ld: %s", path,
				   (long)(m.p - buf), m.err[0] ? m.err : "no result");
		goto out;
	}
	labels = dict_get(root, "labels");
	px = u8_array(dict_get(root, "data"), &rows, &cols);
	if (!px || cols != 768 || !labels || labels->type != V_LIST || labels->n != rows) {
		rc = dca_error_set(err, DCA_ERR_IO, "%s: malformed: expected a dict with "
				   "\"data\" (a uint8 array of N x 768) and \"labels\" (N "
				   "numbers); got %s", path, !px ? "no uint8 2-D array "
				   "under \"data\"" : cols != 768 ? "rows that are not "
				   "3x16x16" : "labels that do not match the rows");
		goto out;
	}
	for (i = 0; i < rows; i++) {
		const value *l = labels->items[i];
		if (l->type != V_INT || l->i < 1 || l->i > 1000) {
			rc = dca_error_set(err, DCA_ERR_IO, "%s: malformed: image %zu has "
					   "label %lld, expected 1..1000", path, i,
					   l->type == V_INT ? (long long)l->i : -1LL);
			goto out;
		}
		if (l->i > 120)
			continue;      /* not one of ImageNet16-120's classes */
		if ((size_t)d->n == *cap) {
			size_t c = *cap ? 2 * *cap : 4096;
			uint8_t *im = realloc(d->images, c * 768);
			int *lb = im ? realloc(d->labels, c * sizeof *lb) : NULL;
			if (im)
				d->images = im;
			if (!lb) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
				goto out;
			}
			d->labels = lb;
			*cap = c;
		}
		memcpy(d->images + (size_t)d->n * 768, px + i * 768, 768);
		d->labels[d->n++] = (int)l->i - 1;
	}
out:
	vm_free(&m);
	return rc;
}

static int read_batch(const char *path, dca_dataset *d, size_t *cap, dca_error *err)
{
	FILE *f;
	unsigned char *buf = NULL;
	long size;
	int fd = dcap_open_regular(path, err), rc;

	if (fd == -2)
		return DCA_ERR_IO;
	if (fd < 0 || !(f = fdopen(fd, "rb")))
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot open the ImageNet16 "
				     "batch file (check the path)", path);
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot read it", path);
	}
	fclose(f);
	rc = parse_batch(buf, (size_t)size, path, d, cap, err);
	free(buf);
	return rc;
}

int dca_imagenet16_load(const char *dir, dca_dataset *train, dca_dataset *test,
			dca_error *err)
{
	char path[4096];
	size_t cap = 0;
	int i, rc = 0;

	memset(train, 0, sizeof *train);
	memset(test, 0, sizeof *test);
	for (i = 1; i <= 10 && !rc; i++) {
		snprintf(path, sizeof path, "%s/train_data_batch_%d", dir, i);
		rc = read_batch(path, train, &cap, err);
	}
	cap = 0;
	if (!rc) {
		snprintf(path, sizeof path, "%s/val_data", dir);
		rc = read_batch(path, test, &cap, err);
	}
	if (!rc && (!train->n || !test->n))
		rc = dca_error_set(err, DCA_ERR_IO, "%s: no image labelled 1..120 in "
				   "the %s files: not ImageNet16", dir,
				   train->n ? "val_data" : "train_data_batch");
	if (rc) {
		dca_dataset_free(train);
		dca_dataset_free(test);
		return rc;
	}
	for (i = 0; i < 2; i++) {
		dca_dataset *d = i ? test : train;
		d->c = 3;
		d->h = d->w = 16;
		d->classes = 120;
		d->max_value = 255.0f;
		snprintf(d->name, sizeof d->name, "imagenet16");
	}
	return 0;
}

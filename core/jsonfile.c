/* dcanas — JSON files, plain or gzip'ed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <dcanas/jsonfile.h>

#include "atomic_file.h"

/* The most a JSON file may expand to: the largest the project reads (a
 * device profile with 15,625 archs, a search's arch.json) are a few MB; a
 * small gzip that expands past this is refused before it takes the memory */
#define JSON_MAX_BYTES ((size_t)64 << 20)
/* The most the members reader holds at once (one member and what follows
 * it in its buffer): a header is a few hundred bytes and a shipped table
 * 1.7 MB; a cut value is parsed again as more arrives, so this also
 * bounds that work (a 600 MB bomb is refused in seconds) */
#define MEMBER_MAX_BYTES ((size_t)32 << 20)

json_t *dca_json_load_file(const char *path, dca_error *err)
{
	gzFile gz;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	json_error_t jerr;
	json_t *j;
	int fd;

	if ((fd = dcap_open_regular(path, err)) == -2)
		return NULL;
	gz = fd >= 0 ? gzdopen(fd, "rb") : NULL; /* reads plain files transparently */
	if (!gz) {
		if (fd >= 0)
			close(fd);
		dca_error_set(err, DCA_ERR_IO, "%s: cannot open: %s", path,
			      strerror(errno));
		return NULL;
	}
	for (;;) {
		int n;
		if (cap - len < 65536) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				gzclose(gz);
				dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", path);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		n = gzread(gz, buf + len, (unsigned)(cap - len));
		if (n < 0) {
			int zerr;
			const char *m = gzerror(gz, &zerr);
			dca_error_set(err, DCA_ERR_IO,
				      "%s: corrupt or truncated gzip data after %zu bytes: %s",
				      path, len, m);
			free(buf);
			gzclose(gz);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > JSON_MAX_BYTES) {
			free(buf);
			gzclose(gz);
			dca_error_set(err, DCA_ERR_INVALID, "%s: larger than %zu MiB once "
				      "decompressed: not a file dcanas reads", path,
				      JSON_MAX_BYTES >> 20);
			return NULL;
		}
	}
	{
		int zerr = 0;
		gzerror(gz, &zerr);
		gzclose(gz);
		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			free(buf);
			dca_error_set(err, DCA_ERR_IO, "%s: truncated gzip data", path);
			return NULL;
		}
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!j)
		dca_error_set(err, DCA_ERR_INVALID, "%s:%d:%d: invalid JSON: %s",
			      path, jerr.line, jerr.column, jerr.text);
	return j;
}

int dca_json_save_file(const json_t *j, const char *path, size_t flags,
		       dca_error *err)
{
	dcap_atomic_file af;
	int rc = dcap_atomic_open(&af, path, err);

	if (rc)
		return rc;
	return dcap_atomic_commit(&af, json_dumpf(j, af.f, flags) != 0 ||
				  fputc('\n', af.f) == EOF, err);
}

/* ------------------------------------------------------------------ */
/* Reading the first members of a top-level object                    */

/* Why not dca_json_load_file: every command registers every profile, and
 * a full Jansson parse of the 11 shipped profiles (1.7 MB of JSON each)
 * took 380-460 ms here, while their headers sit in the first few hundred
 * bytes: reading the headers this way took 0.46 ms (the hand-written
 * scanner it replaces: 0.50 ms). Jansson parses every token
 * (JSON_DISABLE_EOF_CHECK stops it after one value and reports how far it
 * read); this only steps over '{' ':' ',' '}' between them, reading more of
 * the stream when a value runs off the end of what has been read. */
typedef struct members_reader {
	gzFile gz;
	char *buf;
	size_t len, cap, pos;
	int eof;
} members_reader;

/* Append the next chunk of input; 0, or an error. */
static int members_more(members_reader *r, const char *path, dca_error *err)
{
	int n;

	if (r->len > MEMBER_MAX_BYTES)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: a member larger than "
				     "%zu MiB once decompressed: not a file dcanas reads",
				     path, MEMBER_MAX_BYTES >> 20);
	if (r->cap - r->len < 4096) {
		size_t ncap = r->cap ? 2 * r->cap : 8192;
		char *nb = realloc(r->buf, ncap);
		if (!nb)
			return dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", path);
		r->buf = nb;
		r->cap = ncap;
	}
	n = gzread(r->gz, r->buf + r->len, (unsigned)(r->cap - r->len));
	if (n < 0) {
		int zerr;
		return dca_error_set(err, DCA_ERR_IO, "%s: corrupt or truncated gzip "
				     "data: %s", path, gzerror(r->gz, &zerr));
	}
	if (n == 0)
		r->eof = 1;
	r->len += (size_t)n;
	return 0;
}

/* The next non-blank byte (not consumed), or -1 at the end of input. */
static int members_peek(members_reader *r, const char *path, dca_error *err)
{
	for (;;) {
		while (r->pos < r->len && strchr(" \t\r\n", r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->len)
			return (unsigned char)r->buf[r->pos];
		if (r->eof || members_more(r, path, err))
			return -1;
	}
}

/* One JSON value at pos, parsed by Jansson. A value that reaches the end of
 * the buffer may be cut (a number, a string): read more and parse again. */
static json_t *members_value(members_reader *r, const char *path, dca_error *err)
{
	for (;;) {
		json_error_t je;
		json_t *j = json_loadb(r->buf + r->pos, r->len - r->pos,
				       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK |
				       JSON_REJECT_DUPLICATES, &je);
		size_t end = r->pos + (size_t)(je.position > 0 ? je.position : 0);

		if ((!j || end >= r->len) && !r->eof) {
			json_decref(j);
			if (members_more(r, path, err))
				return NULL;
			continue;
		}
		if (!j) {
			dca_error_set(err, DCA_ERR_INVALID, "%s: invalid JSON at byte "
				      "%zu: %s", path, end, je.text);
			return NULL;
		}
		r->pos = end;
		return j;
	}
}

static int members_expect(members_reader *r, const char *path, const char *what,
			  dca_error *err)
{
	int c = members_peek(r, path, err);

	if (c >= 0 && strchr(what, c)) {
		r->pos++;
		return c;
	}
	if (err && err->code)
		return -1;
	dca_error_set(err, DCA_ERR_INVALID, "%s: invalid JSON at byte %zu: expected "
		      "%s%s", path, r->pos, strchr(what, '{') ? "a JSON object" :
		      strchr(what, ':') ? "':'" : "',' or '}'",
		      c < 0 ? ", got the end of the file" : "");
	return -1;
}

json_t *dca_json_load_members(const char *path, const char *const *keys,
			      size_t n_keys, dca_error *err)
{
	members_reader r = { 0 };
	json_t *out = json_object(), *key = NULL, *val = NULL;
	size_t found = 0, i;
	int ok = 0, fd;

	if (!out) {
		dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", path);
		return NULL;
	}
	fd = dcap_open_regular(path, err);
	r.gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;   /* reads plain files transparently */
	if (!r.gz) {
		if (fd == -1)
			dca_error_set(err, DCA_ERR_IO, "%s: cannot open: %s", path,
				      strerror(errno));
		if (fd >= 0)
			close(fd);
		json_decref(out);
		return NULL;
	}
	if (members_expect(&r, path, "{", err) < 0)
		goto out;
	if (members_peek(&r, path, err) == '}') {
		ok = 1;
		goto out;
	}
	while (found < n_keys) {
		const char *k;
		int c;

		if (!(key = members_value(&r, path, err)))
			goto out;
		if (!json_is_string(key)) {
			dca_error_set(err, DCA_ERR_INVALID, "%s: invalid JSON at byte "
				      "%zu: expected a member name", path, r.pos);
			goto out;
		}
		if (members_expect(&r, path, ":", err) < 0 ||
		    !(val = members_value(&r, path, err)))
			goto out;
		k = json_string_value(key);
		for (i = 0; i < n_keys; i++)
			if (strcmp(keys[i], k) == 0 && !json_object_get(out, k)) {
				if (json_object_set(out, k, val)) {
					dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory",
						      path);
					goto out;
				}
				found++;
			}
		json_decref(key);
		json_decref(val);
		key = val = NULL;
		if ((c = members_expect(&r, path, ",}", err)) < 0)
			goto out;
		if (c == '}')
			break;
	}
	ok = 1;
out:
	json_decref(key);
	json_decref(val);
	gzclose(r.gz);
	free(r.buf);
	if (!ok) {
		json_decref(out);
		return NULL;
	}
	return out;
}

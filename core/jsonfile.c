/* dcanas — JSON files, plain or gzip'ed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <dcanas/jsonfile.h>

#include "atomic_file.h"

json_t *dca_json_load_file(const char *path, dca_error *err)
{
	gzFile gz;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	json_error_t jerr;
	json_t *j;

	gz = gzopen(path, "rb"); /* reads plain files transparently */
	if (!gz) {
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

/* dcanas — budgets with units: "3.5M", "600M", "20ms", "256KiB", "1.5MB". */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/constraint.h>

struct suffix {
	const char *text;
	double scale;  /* to the canonical unit */
};

static const struct suffix count_suffixes[] = {
	{ "", 1 }, { "K", 1e3 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
	{ NULL, 0 }
};
static const struct suffix byte_suffixes[] = {
	{ "B", 1 }, { "KB", 1e3 }, { "kB", 1e3 }, { "KiB", 1024.0 },
	{ "MB", 1e6 }, { "MiB", 1048576.0 }, { "GB", 1e9 },
	{ "GiB", 1073741824.0 }, { NULL, 0 }
};
static const struct suffix time_suffixes[] = {  /* canonical: ms */
	{ "us", 1e-3 }, { "ms", 1 }, { "s", 1e3 }, { NULL, 0 }
};
static const struct suffix energy_suffixes[] = { /* canonical: mJ */
	{ "uJ", 1e-3 }, { "mJ", 1 }, { "J", 1e3 }, { NULL, 0 }
};

static const struct {
	const char *name, *example;
	const struct suffix *suffixes;
} units[] = {
	[DCA_UNIT_COUNT] = { "count", "3.5M or 600M (K, M, G)", count_suffixes },
	[DCA_UNIT_BYTES] = { "bytes", "256KiB or 1.5MB (B, KB, KiB, MB, MiB, GB, GiB)", byte_suffixes },
	[DCA_UNIT_SECONDS] = { "ms", "20ms (us, ms, s)", time_suffixes },
	[DCA_UNIT_JOULES] = { "mJ", "5mJ (uJ, mJ, J)", energy_suffixes },
};

const char *dca_unit_name(dca_unit unit)
{
	return units[unit].name;
}

int dca_unit_parse(dca_unit unit, const char *text, double *out, dca_error *err)
{
	const struct suffix *s;
	const char *p = text;
	char *end;
	double v;

	while (isspace((unsigned char)*p))
		p++;
	v = strtod(p, &end);
	if (end == p || !isfinite(v))
		return dca_error_set(err, DCA_ERR_INVALID,
			"expects a number with a unit like %s, got '%s'",
			units[unit].example, text);
	if (*end == ',')
		return dca_error_set(err, DCA_ERR_INVALID,
			"expects a number like %s, got '%s' (use '.' as the "
			"decimal point)", units[unit].example, text);
	while (isspace((unsigned char)*end))
		end++;
	for (s = units[unit].suffixes; s->text; s++) {
		if (strcmp(end, s->text) == 0) {
			if (v <= 0)
				return dca_error_set(err, DCA_ERR_INVALID,
					"must be positive, got '%s'", text);
			if (!isfinite(v * s->scale))   /* "1e308G": no budget at all */
				return dca_error_set(err, DCA_ERR_INVALID,
					"is too large to be a budget, got '%s'", text);
			*out = v * s->scale;
			return 0;
		}
	}
	return dca_error_set(err, DCA_ERR_INVALID,
		"expects a %s budget like %s, got '%s' (unit '%s' %s)",
		unit == DCA_UNIT_COUNT ? "count" : units[unit].name,
		units[unit].example, text, end,
		*end ? "is not one of them" : "is missing");
}

const char *dca_unit_format(dca_unit unit, double v, char *buf, size_t len)
{
	switch (unit) {
	case DCA_UNIT_COUNT:
		if (v >= 1e9)
			snprintf(buf, len, "%.4gG", v / 1e9);
		else if (v >= 1e6)
			snprintf(buf, len, "%.6gM", v / 1e6);
		else if (v >= 1e3)
			snprintf(buf, len, "%.6gK", v / 1e3);
		else
			snprintf(buf, len, "%.6g", v);
		break;
	case DCA_UNIT_BYTES:
		if (v >= 1048576.0)
			snprintf(buf, len, "%.4gMiB", v / 1048576.0);
		else if (v >= 1024.0)
			snprintf(buf, len, "%.4gKiB", v / 1024.0);
		else
			snprintf(buf, len, "%.0fB", v);
		break;
	case DCA_UNIT_SECONDS:
		snprintf(buf, len, "%.4gms", v);
		break;
	case DCA_UNIT_JOULES:
		snprintf(buf, len, "%.4gmJ", v);
		break;
	}
	return buf;
}

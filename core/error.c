/* dcanas — error records. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <dcanas/error.h>

int dca_error_set(dca_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != 0)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void dca_error_clear(dca_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

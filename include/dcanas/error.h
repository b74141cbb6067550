/* dcanas — error records.
 *
 * Functions that can fail return 0 on success and a negative code on failure,
 * and fill an optional caller-owned dca_error with the FIRST error's message.
 * Messages name the problem, where it is, and what to do. */
#ifndef DCANAS_ERROR_H
#define DCANAS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DCA_OK = 0,
	DCA_ERR_INVALID = -1,   /* bad input: config, arch string, unit */
	DCA_ERR_IO = -2,        /* file missing, unreadable, truncated */
	DCA_ERR_NOMEM = -3,
	DCA_ERR_NOTFOUND = -4,  /* unknown plugin, device, arch */
	DCA_ERR_PLUGIN = -5,    /* a module could not be loaded */
	DCA_ERR_UNSUPPORTED = -6, /* e.g. latency asked of a device without a table for it */
	DCA_ERR_INFEASIBLE = -7 /* a budget no architecture can meet */
};

typedef struct dca_error {
	int code;        /* 0 until the first error */
	char msg[1024];
} dca_error;

/* Record an error unless one is already recorded (err may be NULL).
 * Returns code, so callers can write `return dca_error_set(err, ...)`. */
int dca_error_set(dca_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dca_error_clear(dca_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* dcanas — zlib error text for the data readers (private). */
#ifndef DCANAS_ZLIB_MESSAGE_H
#define DCANAS_ZLIB_MESSAGE_H

#include <string.h>

/* zlib prefixes its messages with the path; drop it, we print it once. */
static inline const char *dcap_zlib_message(const char *zmsg, const char *path)
{
	size_t n = strlen(path);

	if (!zmsg)
		return "read error";
	if (strncmp(zmsg, path, n) == 0 && zmsg[n] == ':' && zmsg[n + 1] == ' ')
		return zmsg + n + 2;
	return zmsg;
}

#endif

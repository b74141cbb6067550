/* dcanas — zlib error text for the data readers (private). */
#ifndef DCANAS_ZLIB_MESSAGE_H
#define DCANAS_ZLIB_MESSAGE_H

#include <string.h>

/* zlib prefixes its messages with the path, or "<fd:N>" for a file opened
 * with gzdopen; drop it, we print the path once. */
static inline const char *dcap_zlib_message(const char *zmsg, const char *path)
{
	size_t n = strlen(path);

	if (!zmsg)
		return "read error";
	if (strncmp(zmsg, path, n) == 0 && zmsg[n] == ':' && zmsg[n + 1] == ' ')
		return zmsg + n + 2;
	if (strncmp(zmsg, "<fd:", 4) == 0) {
		const char *e = strstr(zmsg, ">: ");
		if (e)
			return e + 3;
	}
	return zmsg;
}

#endif

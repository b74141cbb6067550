/* dcanas — does a gzip data file end where its gzip data ends?
 *
 * zlib's gzread stops quietly at bytes after the last gzip member that do
 * not start another member (two files joined, a download with an HTML
 * error page appended): the data would load short of what the file holds,
 * or with a damaged tail unseen. The cheap check: a gzip member ends with
 * the size of its data (mod 2^32), so when the file's last four bytes are
 * the size read, it ends cleanly. Otherwise (junk, or a valid file of
 * several members) the members are walked with inflate to find where the
 * gzip data ends. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gz_end.h"

/* the offset where the gzip members from fd's start end (the whole file
 * when it is all members), or -1 on a read or zlib failure */
static long members_end(int fd)
{
	unsigned char in[1 << 16], out[1 << 16];
	z_stream zs;
	long consumed = 0;
	int rc = Z_OK;

	memset(&zs, 0, sizeof zs);
	if (lseek(fd, 0, SEEK_SET) != 0 || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -1;
	for (;;) {
		if (zs.avail_in == 0) {
			ssize_t n = read(fd, in, sizeof in);
			if (n < 0)
				break;
			if (n == 0) {
				inflateEnd(&zs);
				return consumed;     /* every byte was in a member */
			}
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		zs.next_out = out;
		zs.avail_out = sizeof out;
		{
			uInt before = zs.avail_in;
			rc = inflate(&zs, Z_NO_FLUSH);
			consumed += (long)(before - zs.avail_in);
		}
		if (rc == Z_STREAM_END) {
			/* another member, or the end of the gzip data */
			if (zs.avail_in == 0) {
				ssize_t n = read(fd, in, sizeof in);
				if (n <= 0) {
					inflateEnd(&zs);
					return n == 0 ? consumed : -1;
				}
				zs.next_in = in;
				zs.avail_in = (uInt)n;
			}
			if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			inflateEnd(&zs);
			return consumed;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
	}
	inflateEnd(&zs);
	return -1;
}

int dcap_gz_check_end(const char *path, uint64_t size_read, dca_error *err)
{
	int fd = open(path, O_RDONLY);
	unsigned char magic[2], tail[4];
	struct stat st;
	long end;

	if (fd < 0)
		return 0;     /* the reader opened it; nothing more to say */
	if (fstat(fd, &st) != 0 || st.st_size < 18 || read(fd, magic, 2) != 2 ||
	    magic[0] != 0x1f || magic[1] != 0x8b ||
	    pread(fd, tail, 4, st.st_size - 4) != 4 ||
	    ((uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
	     (uint32_t)tail[3] << 24) == (uint32_t)size_read) {
		close(fd);
		return 0;     /* not gzip, or it ends with this data's size */
	}
	end = members_end(fd);
	close(fd);
	if (end < 0 || end >= (long)st.st_size)
		return 0;
	return dca_error_set(err, DCA_ERR_IO, "%s: %ld bytes after the gzip data, from "
			     "byte offset %ld, are not gzip data: a damaged file, or "
			     "another file joined to it? (the data ends at offset %ld)",
			     path, (long)st.st_size - end, end, end);
}

/* outfile.c - atomic report files: write PATH.tmp.XXXXXX beside PATH, then
 * flush, close and rename it over PATH. Any failure removes the temporary
 * file and leaves PATH as it was; a run that is killed leaves PATH as it
 * was and a stray temporary file, never a truncated PATH. The next run
 * that writes PATH removes the strays it finds beside it once they are an
 * hour old (a live run keeps its temporary file younger than that).
 *
 * No fsync: the rename is atomic for every reader of the file system, which
 * is what a killed or failed run needs; durability across a power cut is
 * not a report's job (ext4, XFS and btrfs flush a file renamed over another
 * before the rename anyway). Syncing a 160 MB trace.json cost a tenth of
 * the analysis' time in the benchmark.
 *
 * trace.json (asp_outfile_open_direct) is written around the page cache
 * where the file system allows it: no copy into cache pages, none of the
 * fresh memory they need, and nothing left for ext4 to flush when it is
 * renamed over the last run's. */
#include "outfile.h"
#include "analysis/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* direct writes (O_DIRECT) take buffers, file offsets and sizes aligned to
 * the logical block size (512 or 4096 bytes): this, and the blocks a
 * multiple of it */
#define ASP_OUTFILE_ALIGN 4096

struct asp_outfile {
	char *path, *tmp;
	FILE *fp;
	/* asp_outfile_open_direct: no FILE; bytes gather in buf, written in
	 * ASP_OUTFILE_BLOCK pieces, around the page cache while direct is set */
	int fd;
	bool direct;
	uint8_t *buf;
	size_t n;
	int err;  /* the first write's errno; later writes are dropped */
};

static void outfile_free(struct asp_outfile *h)
{
	free(h->path);
	free(h->tmp);
	free(h->buf);
	free(h);
}

/* the permissions a plain fopen() would give: 0666 less the umask */
static mode_t default_mode(void)
{
	mode_t mask = umask(022);
	umask(mask);
	return 0666 & ~mask;
}

bool asp_outfile_temp_name(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) != 0 || strlen(name + n) != 6)
		return false;
	for (const char *c = name + n; *c; c++)
		if (!(*c >= '0' && *c <= '9') && !(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z'))
			return false;
	return true;
}

/* a stray folder: the plain files in it, then itself (nothing deeper) */
static void remove_stray_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		char *p = asp_path_join(path, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode))
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(path);
}

void asp_outfile_sweep(const char *dir, const char *prefix, bool dirs, long min_age)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!asp_outfile_temp_name(e->d_name, prefix))
			continue;
		char *p = asp_path_join(dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && now - st.st_mtime >= min_age) {
			if (dirs && S_ISDIR(st.st_mode))
				remove_stray_dir(p);
			else if (!dirs && S_ISREG(st.st_mode))
				unlink(p);
		}
		free(p);
	}
	closedir(d);
}

/* mkstemp beside path, with a plain file's permissions; -1 and *err */
static int open_tmp(struct asp_outfile *h, const char *path, char **err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	char *prefix = xasprintf("%s.tmp.", slash ? slash + 1 : path);
	asp_outfile_sweep(dir, prefix, false, ASP_OUTFILE_STALE_SECS);
	free(dir);
	free(prefix);

	h->path = xstrdup(path);
	h->tmp = xasprintf("%s.tmp.XXXXXX", path);
	h->fd = mkstemp(h->tmp);
	if (h->fd < 0)
		return asp_fail(err, "%s: %s", path, strerror(errno));
	/* mkstemp creates 0600; a report should be readable like any file */
	if (fchmod(h->fd, default_mode()) != 0) {
		asp_fail(err, "%s: %s", path, strerror(errno));
		close(h->fd);
		unlink(h->tmp);
		return -1;
	}
	return 0;
}

static void write_all(struct asp_outfile *h, const uint8_t *p, size_t n);

/* the stream's write: all of it, or -1 with the first error kept in h->err */
static ssize_t stream_write(void *cookie, const char *p, size_t n)
{
	struct asp_outfile *h = cookie;
	write_all(h, (const uint8_t *)p, n);
	if (h->err) {
		errno = h->err;
		return -1;
	}
	return (ssize_t)n;
}

/* the stream's close: the descriptor is closed by the commit or the abort */
static int stream_close(void *cookie)
{
	(void)cookie;
	return 0;
}

struct asp_outfile *asp_outfile_open(const char *path, FILE **fp, char **err)
{
	struct asp_outfile *h = xcalloc(1, sizeof(*h));
	if (open_tmp(h, path, err) != 0) {
		outfile_free(h);
		return NULL;
	}
	/* the stream writes through write_all, so the first write error (the
	 * disk full: ENOSPC) is kept for the commit to name */
	cookie_io_functions_t io = { .write = stream_write, .close = stream_close };
	if (!(h->fp = fopencookie(h, "w", io))) {
		asp_fail(err, "%s: %s", path, strerror(errno));
		close(h->fd);
		unlink(h->tmp);
		outfile_free(h);
		return NULL;
	}
	*fp = h->fp;
	return h;
}

void *asp_outfile_block_buffer(size_t size)
{
	return xcalloc_aligned(1, size, ASP_OUTFILE_ALIGN);
}

struct asp_outfile *asp_outfile_open_direct(const char *path, char **err)
{
	struct asp_outfile *h = xcalloc(1, sizeof(*h));
	if (open_tmp(h, path, err) != 0) {
		outfile_free(h);
		return NULL;
	}
	h->buf = asp_outfile_block_buffer(ASP_OUTFILE_BLOCK);
	int fl = fcntl(h->fd, F_GETFL);
	h->direct = fl >= 0 && fcntl(h->fd, F_SETFL, fl | O_DIRECT) == 0;
	return h;
}

/* O_DIRECT off: the rest goes through the page cache */
static void direct_off(struct asp_outfile *h)
{
	int fl = fcntl(h->fd, F_GETFL);
	if (fl >= 0)
		fcntl(h->fd, F_SETFL, fl & ~O_DIRECT);
	h->direct = false;
}

/* writes p[0, n) unless an earlier write failed; a file system that
 * refuses direct writes of this size or alignment (EINVAL), or a short
 * direct write (the disk filling up), goes on through the page cache */
static void write_all(struct asp_outfile *h, const uint8_t *p, size_t n)
{
	size_t done = 0;
	while (done < n && !h->err) {
		ssize_t w = write(h->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && h->direct) {
			direct_off(h);
			continue;
		}
		if (w < 0)
			h->err = errno;
		else if (w == 0)
			h->err = EIO;
		else {
			done += (size_t)w;
			if (h->direct && done < n)
				direct_off(h);
		}
	}
}

static void direct_drain(struct asp_outfile *h)
{
	write_all(h, h->buf, h->n);
	h->n = 0;
}

size_t asp_outfile_write_blocks(struct asp_outfile *h, const void *p, size_t n)
{
	size_t whole = n / ASP_OUTFILE_BLOCK * ASP_OUTFILE_BLOCK;
	if (h->n || !whole || (uintptr_t)p % ASP_OUTFILE_ALIGN) {
		asp_outfile_write(h, p, n);
		return n;
	}
	write_all(h, p, whole);
	return whole;
}

void asp_outfile_write(struct asp_outfile *h, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n && !h->err) {
		size_t k = ASP_OUTFILE_BLOCK - h->n < n ? ASP_OUTFILE_BLOCK - h->n : n;
		memcpy(h->buf + h->n, s, k);
		h->n += k;
		s += k;
		n -= k;
		if (h->n == ASP_OUTFILE_BLOCK)
			direct_drain(h);
	}
}

int asp_outfile_commit(struct asp_outfile *h, char **err)
{
	const char *what = NULL;
	int e = 0;

	errno = 0;
	if (!h->fp) {
		/* the tail is not a whole block: through the page cache */
		if (h->direct && h->n)
			direct_off(h);
		direct_drain(h);
		if (h->err) {
			what = "write error";
			e = h->err;
		}
		if (close(h->fd) != 0 && !what) {
			what = "close";
			e = errno;
		}
	} else {
		if (fflush(h->fp) != 0 || ferror(h->fp) || h->err) {
			/* the first failed write's error, kept by stream_write */
			what = "write error";
			e = h->err ? h->err : errno ? errno : EIO;
		}
		fclose(h->fp);
		if (close(h->fd) != 0 && !what) {
			what = "close";
			e = errno;
		}
	}
	h->fp = NULL;
	h->fd = -1;
	if (!what && rename(h->tmp, h->path) != 0) {
		what = "rename";
		e = errno;
	}
	if (what) {
		asp_fail(err, "%s: %s: %s", h->path, what, strerror(e));
		unlink(h->tmp);
		outfile_free(h);
		return -1;
	}
	outfile_free(h);
	return 0;
}

void asp_outfile_abort(struct asp_outfile *h)
{
	if (!h)
		return;
	if (h->fp)
		fclose(h->fp);
	if (h->fd >= 0)
		close(h->fd);
	unlink(h->tmp);
	outfile_free(h);
}

const char *asp_outfile_tmp_path(const struct asp_outfile *h)
{
	return h->tmp;
}

/* one directory; EEXIST is fine when it is a directory */
static int mkdir_one(const char *dir, const char *full, char **err)
{
	if (mkdir(dir, 0777) == 0)
		return 0;
	int e = errno;
	struct stat st;
	if (e == EEXIST || e == EROFS || e == EACCES || e == EPERM) {
		if (stat(dir, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				return 0;
			if (strcmp(dir, full) == 0)
				return asp_fail(err, "%s: Not a directory", full);
			return asp_fail(err, "%s: Not a directory (%s is a file)", full, dir);
		}
	}
	if (e == ENOTDIR)
		return asp_fail(err, "%s: Not a directory", full);
	if (strcmp(dir, full) == 0)
		return asp_fail(err, "%s: cannot create directory: %s", full, strerror(e));
	return asp_fail(err, "%s: cannot create directory %s: %s", full, dir, strerror(e));
}

int asp_mkdir_p(const char *path, char **err)
{
	if (!*path)
		return asp_fail(err, "empty directory name");
	char *p = xstrdup(path);
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		rc = mkdir_one(p, path, err);
		*s = '/';
	}
	if (rc == 0)
		rc = mkdir_one(p, path, err);
	/* fail here, naming the directory, rather than on the first report */
	if (rc == 0 && access(p, W_OK | X_OK) != 0)
		rc = asp_fail(err, "%s: directory is not writable: %s", path, strerror(errno));
	free(p);
	return rc;
}

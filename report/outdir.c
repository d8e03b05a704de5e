/* outdir.c - one batch at a time in an output folder, its reports written
 * into a private stage and moved in together (see outdir.h). */
#include "outdir.h"
#include "outfile.h"
#include "report.h"
#include "analysis/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME ".asprof.lock"
#define STAGE_PREFIX ".asprof-stage-"
#define COMMIT_PREFIX ".asprof-commit-"
#define MANIFEST "manifest.json"

struct asp_outdir {
	/* fixed arrays: asp_outdir_discard allocates nothing */
	char out[PATH_MAX];
	char stage[PATH_MAX];
	char id[96];
	int lock_fd;
	bool committed;
	const char *not_written[32]; /* globs of the outputs not written */
	size_t nnot_written;
};

/* ------------------------------------------------------------ removal */

/* empties the directory open as fd, without allocating; entries that
 * appear while it works are taken too (it reads until a pass finds none) */
static void empty_dir(int fd, int depth)
{
	char buf[2048] __attribute__((aligned(8)));
	for (int pass = 0; pass < 100; pass++) {
		bool any = false;
		if (lseek(fd, 0, SEEK_SET) < 0)
			return;
		ssize_t n;
		while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < n;) {
				struct dirent64 *e = (struct dirent64 *)(void *)(buf + off);
				off += e->d_reclen;
				const char *s = e->d_name;
				if (s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2])))
					continue;
				any = true;
				if (e->d_type != DT_DIR && unlinkat(fd, s, 0) == 0)
					continue;
				int sub = depth < 8 ? openat(fd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
				if (sub >= 0) {
					empty_dir(sub, depth + 1);
					close(sub);
					unlinkat(fd, s, AT_REMOVEDIR);
				}
			}
		}
		if (!any)
			return;
	}
}

/* path and all in it; true when it is gone */
static bool remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		empty_dir(fd, 0);
		close(fd);
	}
	return rmdir(path) == 0 || errno == ENOENT;
}

void asp_outdir_discard(struct asp_outdir *d)
{
	if (!d || d->committed || !d->stage[0])
		return;
	/* a thread (or a gnuplot drawing the charts) may still be finishing
	 * a file there: once the stage is gone nothing can be made in it (its
	 * folders are made one level at a time, never with their parents).
	 * On a loaded machine a gnuplot writes its last charts for seconds:
	 * tried for up to 10 s (2 s left a stage behind once under load) */
	for (int i = 0; i < 2000 && !remove_tree(d->stage); i++)
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	d->stage[0] = '\0';
}

/* ------------------------------------------------------------ the files */

struct entry {
	char *rel;
	off_t size;
};

struct entries {
	struct entry *v;
	size_t n;
};

/* the regular files under root/rel (rel NULL: root itself), as paths
 * relative to root */
static void list_files(const char *root, const char *rel, struct entries *es, int depth)
{
	char *dir = rel ? asp_path_join(root, rel) : xstrdup(root);
	DIR *dp = opendir(dir);
	if (!dp) {
		free(dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dp))) {
		const char *s = e->d_name;
		if (s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2])))
			continue;
		char *r = rel ? asp_path_join(rel, s) : xstrdup(s);
		char *full = asp_path_join(dir, s);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode) && depth < 4) {
			list_files(root, r, es, depth + 1);
			free(r);
		} else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			es->v = xreallocarray(es->v, es->n + 1, sizeof(*es->v));
			es->v[es->n++] = (struct entry){ .rel = r, .size = st.st_size };
		} else {
			free(r);
		}
		free(full);
	}
	closedir(dp);
	free(dir);
}

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].rel);
	free(es->v);
}

/* the order files go in: the runs, the charts, the workbook, the verdict
 * (summary.json, junit.xml, index.md, report.html), the manifest last */
static int commit_rank(const char *rel)
{
	static const char *const verdict[] = { "summary.json", "junit.xml", "index.md",
					       "report.html" };
	if (!strcmp(rel, MANIFEST))
		return 3 + (int)ASP_ARRAY_SIZE(verdict);
	for (int i = 0; i < (int)ASP_ARRAY_SIZE(verdict); i++)
		if (!strcmp(rel, verdict[i]))
			return 3 + i;
	if (!strchr(rel, '/'))
		return 2;
	return strncmp(rel, "runs/", 5) ? 1 : 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int rx = commit_rank(x->rel), ry = commit_rank(y->rel);
	return rx != ry ? rx - ry : strcmp(x->rel, y->rel);
}

/* out ready to take the files es: their folders made, and no file's
 * place taken by a folder (a rename would fail there) */
static int prepare(const char *out, const struct entries *es, char **err)
{
	int rc = 0;
	for (size_t i = 0; i < es->n && rc == 0; i++) {
		char *to = asp_path_join(out, es->v[i].rel);
		for (char *s = to + strlen(out) + 1; (s = strchr(s, '/')) && rc == 0; s++) {
			*s = '\0';
			struct stat st;
			if (mkdir(to, 0777) != 0 && errno != EEXIST)
				rc = asp_fail(err, "%s: cannot create directory: %s", to, strerror(errno));
			else if (stat(to, &st) != 0) /* a link to nowhere */
				rc = asp_fail(err, "%s: %s", to, strerror(errno));
			else if (!S_ISDIR(st.st_mode))
				rc = asp_fail(err, "%s: %s", to, strerror(ENOTDIR));
			*s = '/';
		}
		struct stat st;
		if (rc == 0 && lstat(to, &st) == 0 && S_ISDIR(st.st_mode))
			rc = asp_fail(err, "%s: %s", to, strerror(EISDIR));
		free(to);
	}
	return rc;
}

/* from copied to to, atomically (a folder of out that is a link to
 * another file system: rename cannot move there), then removed */
static int copy_in(const char *from, const char *to, char **err)
{
	FILE *fp;
	struct asp_outfile *h = asp_outfile_open(to, &fp, err);
	if (!h)
		return -1;
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n = fd < 0 ? -1 : 0;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, fp);
	if (n < 0) {
		asp_fail(err, "%s: %s", from, strerror(errno));
		asp_outfile_abort(h);
	}
	if (fd >= 0)
		close(fd);
	if (n < 0 || asp_outfile_commit(h, err) < 0)
		return -1;
	unlink(from);
	return 0;
}

/* a path a manifest lists, safe to join to out: relative, no .. */
static bool plain_rel(const char *rel)
{
	if (!*rel || *rel == '/')
		return false;
	for (const char *s = rel; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return false;
	return true;
}

/* the files of an older batch that the manifest of the committed stage
 * src lists under "removed" (outputs this batch did not write), and the
 * folders they leave empty */
static void remove_listed(const char *out, const char *src)
{
	char *path = asp_path_join(src, MANIFEST);
	json_object *root = json_object_from_file(path), *removed;
	free(path);
	if (root && json_object_object_get_ex(root, "removed", &removed) &&
	    json_object_is_type(removed, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(removed); i++) {
			const char *rel = json_object_get_string(json_object_array_get_idx(removed, i));
			if (!rel || !plain_rel(rel))
				continue;
			char *p = asp_path_join(out, rel);
			unlink(p);
			for (char *slash; (slash = strrchr(p, '/')) && slash > p + strlen(out);) {
				*slash = '\0';
				if (rmdir(p) != 0)
					break;
			}
			free(p);
		}
	}
	json_object_put(root);
}

/* every file of the committed stage src moved into out, in commit_rank
 * order, OUT/manifest.json removed first; then src removed */
static int roll_forward(const char *out, const char *src, char **err)
{
	struct entries es = { 0 };
	list_files(src, NULL, &es, 0);
	asp_qsort(es.v, es.n, sizeof(*es.v), entry_cmp);
	int rc = prepare(out, &es, err);
	char *manifest = asp_path_join(out, MANIFEST);
	if (rc == 0 && unlink(manifest) != 0 && errno != ENOENT)
		rc = asp_fail(err, "%s: %s", manifest, strerror(errno));
	free(manifest);
	if (rc == 0)
		remove_listed(out, src);
	for (size_t i = 0; i < es.n && rc == 0; i++) {
		char *from = asp_path_join(src, es.v[i].rel);
		char *to = asp_path_join(out, es.v[i].rel);
		if (rename(from, to) != 0 && (errno != EXDEV || copy_in(from, to, err) < 0))
			rc = asp_fail(err, "%s: %s (the next batch in %s finishes or drops this one)", to,
				      strerror(errno), out);
		free(from);
		free(to);
	}
	entries_free(&es);
	if (rc == 0)
		remove_tree(src);
	return rc;
}

/* what killed batches left: a stage committed in part is finished, the
 * other stages removed, and the temporaries of older versions (written
 * beside each report) too, whatever their age */
static int recover(const char *out, void (*notice)(const char *), char **err)
{
	DIR *dp = opendir(out);
	if (!dp)
		return asp_fail(err, "%s: %s", out, strerror(errno));
	struct dirent *e;
	while ((e = readdir(dp))) {
		char *p = asp_path_join(out, e->d_name), *why = NULL;
		/* what cannot be moved in is dropped: this batch's reports,
		 * moved in whole, make the folder whole again */
		if (asp_outfile_temp_name(e->d_name, COMMIT_PREFIX) && roll_forward(out, p, &why) < 0) {
			char *msg = xasprintf("warning: %s; the rest of that interrupted batch's reports are dropped", why);
			notice(msg);
			free(msg);
			free(why);
			remove_tree(p);
		} else if (asp_outfile_temp_name(e->d_name, STAGE_PREFIX)) {
			remove_tree(p);
		}
		free(p);
	}
	closedir(dp);
	static const char *const reports[] = { "summary.json", "report.xlsx", "index.md", "report.html",
					       "junit.xml", MANIFEST };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(reports); i++) {
		char *prefix = xasprintf("%s.tmp.", reports[i]);
		asp_outfile_sweep(out, prefix, false, 0);
		free(prefix);
	}
	char *charts = asp_path_join(out, "charts");
	asp_outfile_sweep(charts, ".draw-", true, 0);
	free(charts);
	char *runs = asp_path_join(out, "runs");
	if ((dp = opendir(runs))) {
		while ((e = readdir(dp))) {
			if (e->d_name[0] == '.')
				continue;
			char *run = asp_path_join(runs, e->d_name);
			asp_outfile_sweep(run, "trace.json.tmp.", false, 0);
			asp_outfile_sweep(run, "summary.json.tmp.", false, 0);
			free(run);
		}
		closedir(dp);
	}
	free(runs);
	return 0;
}

/* ------------------------------------------------------------ the lock */

/* "another batch (PID n)", from what the lock's holder wrote there */
static void holder(int fd, char *buf, size_t n)
{
	char pid[24];
	ssize_t got = pread(fd, pid, sizeof(pid) - 1, 0);
	long v = 0;
	if (got > 0) {
		pid[got] = '\0';
		char *end;
		v = strtol(pid, &end, 10);
		if (end == pid || (*end && *end != '\n'))
			v = 0;
	}
	/* the PID of a batch that ended (killed before it could clear it) is
	 * not the holder's */
	if (v > 0 && v <= INT_MAX && (kill((pid_t)v, 0) == 0 || errno == EPERM))
		snprintf(buf, n, "another batch (PID %ld)", v);
	else
		snprintf(buf, n, "another batch");
}

static int lock_out(struct asp_outdir *d, unsigned wait_s, void (*notice)(const char *), char **err)
{
	char *path = asp_path_join(d->out, LOCK_NAME);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0 && errno == EACCES) /* another user's: a lock all the same */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		asp_fail(err, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	int rc = 0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) { /* a file system without locks: go on, and say so */
			char *msg = xasprintf("warning: %s: cannot lock %s (%s): a batch writing there at the same time would mix its reports with these",
					      d->out, LOCK_NAME, strerror(errno));
			notice(msg);
			free(msg);
		} else {
			char who[64];
			holder(fd, who, sizeof(who));
			if (wait_s) {
				char *msg = xasprintf("%s: %s is writing this folder; waiting for it (up to %u s, --lock-wait)",
						      d->out, who, wait_s);
				notice(msg);
				free(msg);
			}
			struct timespec t0;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (;;) {
				struct timespec now;
				clock_gettime(CLOCK_MONOTONIC, &now);
				if (now.tv_sec - t0.tv_sec >= (time_t)wait_s) {
					holder(fd, who, sizeof(who));
					if (wait_s)
						rc = asp_fail(err, "%s: %s is writing this folder; nothing written after waiting %u s (--lock-wait)",
							      d->out, who, wait_s);
					else
						rc = asp_fail(err, "%s: %s is writing this folder; nothing written (--lock-wait 0)",
							      d->out, who);
					break;
				}
				nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
				if (flock(fd, LOCK_EX | LOCK_NB) == 0)
					break;
			}
		}
	}
	if (rc < 0) {
		close(fd);
		return -1;
	}
	char pid[24];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	/* for the waiters' message only: a failure changes nothing else */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		errno = 0;
	d->lock_fd = fd;
	return 0;
}

/* ------------------------------------------------------------ entry */

struct asp_outdir *asp_outdir_open(const char *out, unsigned wait_s,
				   void (*notice)(const char *msg), char **err)
{
	size_t len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		len--;
	if (len + sizeof(STAGE_PREFIX) + 8 >= PATH_MAX) {
		asp_fail(err, "%.*s: %s", (int)len, out, strerror(ENAMETOOLONG));
		return NULL;
	}
	struct asp_outdir *d = xcalloc(1, sizeof(*d));
	memcpy(d->out, out, len);
	d->lock_fd = -1;
	if (lock_out(d, wait_s, notice, err) < 0 || recover(d->out, notice, err) < 0)
		goto fail;
	memcpy(d->stage, d->out, len);
	memcpy(d->stage + len, "/" STAGE_PREFIX "XXXXXX", sizeof("/" STAGE_PREFIX "XXXXXX"));
	if (!mkdtemp(d->stage)) {
		asp_fail(err, "%s: %s", d->out, strerror(errno));
		d->stage[0] = '\0';
		goto fail;
	}
	static const char *const sub[] = { "runs", "charts" };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(sub); i++) {
		char *p = asp_path_join(d->stage, sub[i]);
		int e = mkdir(p, 0777) == 0 ? 0 : errno;
		free(p);
		if (e) {
			asp_fail(err, "%s/%s: cannot create directory: %s", d->out, sub[i], strerror(e));
			goto fail;
		}
	}
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	snprintf(d->id, sizeof(d->id), "%s-%ld-%s", when, (long)getpid(),
		 d->stage + strlen(d->stage) - 6);
	return d;
fail:
	asp_outdir_close(d);
	return NULL;
}

void asp_outdir_not_written(struct asp_outdir *d, const char *const *files, size_t n)
{
	d->nnot_written = 0;
	for (size_t i = 0; i < n && i < ASP_ARRAY_SIZE(d->not_written); i++)
		d->not_written[d->nnot_written++] = files[i];
}

const char *asp_outdir_stage(const struct asp_outdir *d)
{
	return d->stage;
}

char *asp_outdir_unstage(const struct asp_outdir *d, char *msg)
{
	if (!msg || !d->stage[0])
		return msg;
	size_t n = strlen(d->stage);
	struct asp_buf b = { 0 };
	const char *s = msg;
	for (const char *hit; (hit = strstr(s, d->stage)); s = hit + n) {
		asp_buf_append(&b, s, (size_t)(hit - s));
		asp_buf_append(&b, d->out, strlen(d->out));
	}
	asp_buf_append(&b, s, strlen(s) + 1);
	free(msg);
	return b.data;
}

const char *asp_outdir_unstage_static(const struct asp_outdir *d, const char *what,
				      const char **tail)
{
	size_t n = d ? strlen(d->stage) : 0;
	*tail = NULL;
	if (!what || !n || strncmp(what, d->stage, n))
		return what;
	*tail = what + n;
	return d->out;
}

/* what the previous batch's manifest lists of the outputs this one does
 * not write (and did not write here either); NULL: nothing */
static json_object *stale_files(const struct asp_outdir *d, const struct entries *es)
{
	if (!d->nnot_written)
		return NULL;
	char *path = asp_path_join(d->out, MANIFEST);
	json_object *old = json_object_from_file(path), *files, *removed = NULL;
	free(path);
	if (old && json_object_object_get_ex(old, "files", &files) &&
	    json_object_is_type(files, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(files); i++) {
			json_object *f = json_object_array_get_idx(files, i), *p;
			const char *rel = json_object_object_get_ex(f, "path", &p) ? json_object_get_string(p) : NULL;
			if (!rel || !plain_rel(rel))
				continue;
			bool stale = false;
			for (size_t k = 0; k < d->nnot_written && !stale; k++)
				stale = fnmatch(d->not_written[k], rel, FNM_PATHNAME) == 0;
			for (size_t k = 0; k < es->n && stale; k++)
				stale = strcmp(es->v[k].rel, rel) != 0;
			if (!stale)
				continue;
			if (!removed)
				removed = json_object_new_array();
			json_object_array_add(removed, json_object_new_string(rel));
		}
	}
	json_object_put(old);
	return removed;
}

/* the stage's manifest.json: the batch and each of its files */
static int write_manifest(struct asp_outdir *d, int status, char **err)
{
	struct entries es = { 0 };
	list_files(d->stage, NULL, &es, 0);
	asp_qsort(es.v, es.n, sizeof(*es.v), entry_cmp);
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string("asprof-manifest/1"));
	json_object_object_add(root, "batch", json_object_new_string(d->id));
	json_object_object_add(root, "status", json_object_new_int(status));
	json_object *files = json_object_new_array();
	for (size_t i = 0; i < es.n; i++) {
		if (!strcmp(es.v[i].rel, MANIFEST))
			continue;
		json_object *f = json_object_new_object();
		json_object_object_add(f, "path", json_object_new_string(es.v[i].rel));
		json_object_object_add(f, "bytes", json_object_new_int64(es.v[i].size));
		json_object_array_add(files, f);
	}
	json_object_object_add(root, "files", files);
	json_object *removed = stale_files(d, &es);
	if (removed)
		json_object_object_add(root, "removed", removed);
	entries_free(&es);
	char *path = asp_path_join(d->stage, MANIFEST);
	int rc = asp_json_write(path, root, NULL, err);
	free(path);
	json_object_put(root);
	return rc;
}

int asp_outdir_commit(struct asp_outdir *d, int status, char **err)
{
	if (write_manifest(d, status, err) < 0) {
		*err = asp_outdir_unstage(d, *err);
		return -1;
	}
	/* what can fail in out, before the commit point */
	struct entries es = { 0 };
	list_files(d->stage, NULL, &es, 0);
	int rc = prepare(d->out, &es, err);
	entries_free(&es);
	if (rc < 0)
		return -1;
	/* the commit point: a stage of this name is moved in, whatever happens */
	char *commit = xasprintf("%s/%s%s", d->out, COMMIT_PREFIX, d->stage + strlen(d->stage) - 6);
	rc = rename(d->stage, commit);
	if (rc != 0)
		asp_fail(err, "%s: %s", d->out, strerror(errno));
	else {
		d->committed = true;
		rc = roll_forward(d->out, commit, err);
	}
	free(commit);
	return rc;
}

void asp_outdir_close(struct asp_outdir *d)
{
	if (!d)
		return;
	asp_outdir_discard(d);
	if (d->lock_fd >= 0) {
		/* no PID left for the next waiter to name */
		if (ftruncate(d->lock_fd, 0) != 0)
			errno = 0;
		close(d->lock_fd);
	}
	free(d);
}

/* sessions.c - task.txt and the sessions' maps. task.txt has a line per
 * SESS (a program started: timestamp, pid, sid, exename), TASK (a thread:
 * tid, pid), FORK (pid, ppid), DLOP (a library opened: tid, sid, base,
 * libname) and EXEC; sid-<sid>.map holds the session's /proc/PID/maps
 * lines. A record's address is resolved in its thread's session at its
 * time: the map that holds it, then the module's symbols (symbols.c). */
#include "ingest-private.h"
#include "analysis/map.h"
#include "analysis/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_ts(const char *s, uint64_t *ns)
{
	/* "S.NNNNNNNNN" */
	char *end;
	errno = 0;
	unsigned long long sec = strtoull(s, &end, 10);
	if (end == s || *end != '.' || errno)
		return -1;
	const char *f = end + 1;
	unsigned long long frac = strtoull(f, &end, 10);
	if (end == f || end - f != 9)
		return -1;
	*ns = sec * 1000000000ULL + frac;
	return 0;
}

static const char *field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	return p ? p + strlen(key) : NULL;
}

/* *unusable counts the sessions whose map cannot be opened: the first is
 * told, the rest summed up by the caller */
static int read_map(struct asp_trace *t, struct session *s, int *unusable, char **err)
{
	char *name = xasprintf("sid-%s.map", s->sid);
	char *path = asp_path_join(t->dir, name);
	free(name);
	const char *why;
	FILE *fp = asp_fopen_file(path, &why);
	if (!fp) {
		if (!(*unusable)++)
			warnf(t, "%s: %s; no symbols for session %s", path, why, s->sid);
		free(path);
		return 0;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, bad = 0, first_bad = 0;
	bool too_long, long_path = false;
	while (asp_getline(&line, &cap, fp, ASP_LINE_MAX, &too_long) > 0) {
		lineno++;
		if (too_long) { /* malformed: counted below */
			if (!bad++)
				first_bad = lineno;
			continue;
		}
		uint64_t start, end;
		char prot[8], mpath[4096], bid[160];
		bid[0] = '\0';
		int nf = sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*x %*x:%*x %*d %4095s %159s", &start,
				&end, prot, mpath, bid);
		if (nf < 3) {
			if (bad++ == 0)
				first_bad = lineno;
			continue;
		}
		if (nf < 4 || mpath[0] != '/' || end <= start)
			continue; /* [stack], anonymous */
		if (strlen(mpath) == sizeof(mpath) - 1) {
			warnf(t, "%s:%d: path longer than %zu bytes; mapping skipped", path, lineno,
			      sizeof(mpath) - 2);
			long_path = true;
			continue;
		}
		const char *build_id = !strncmp(bid, "build-id:", 9) ? bid + 9 : NULL;
		s->maps = xreallocarray(s->maps, s->nmaps + 1, sizeof(*s->maps));
		s->maps[s->nmaps].start = start;
		s->maps[s->nmaps].end = end;
		s->maps[s->nmaps].mod = get_module(t, mpath, build_id);
		s->nmaps++;
	}
	/* one line however many there are */
	if (bad == 1)
		warnf(t, "%s:%d: malformed map line skipped", path, first_bad);
	else if (bad > 1)
		warnf(t, "%s:%d: malformed map line skipped, and %d more", path, first_bad, bad - 1);
	if (lineno == 0) {
		warnf(t, "%s: empty; no symbols for session %s", path, s->sid);
	} else if (s->exename[0] && !bad && !long_path) {
		/* the program's own functions are the ones that matter (a line
		 * skipped with a warning already said why they are missing) */
		if (!session_program(s))
			warnf(t, "%s: no valid mapping of %s; its functions are shown as addresses",
			      path, s->exename);
	}
	free(line);
	fclose(fp);
	free(path);
	(void)err;
	return 0;
}

static int map_cmp(const void *a, const void *b)
{
	const struct map_ent *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int sess_cmp(const void *a, const void *b)
{
	const struct session *x = a, *y = b;
	return x->time < y->time ? -1 : x->time > y->time;
}

static int task_cmp(const void *a, const void *b)
{
	const struct task *x = a, *y = b;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static struct task *find_task(const struct asp_trace *t, int tid)
{
	struct task key = { .tid = tid };
	if (t->ntasks == 0)
		return NULL; /* bsearch's array must not be NULL */
	return bsearch(&key, t->tasks, t->ntasks, sizeof(*t->tasks), task_cmp);
}

int asp_trace_pid(const struct asp_trace *t)
{
	return t->nsess && t->sess[0].pid > 0 ? t->sess[0].pid : 0;
}

bool asp_trace_is_main_thread(const struct asp_trace *t, int tid)
{
	const struct task *k = find_task(t, tid);
	return !k || k->pid <= 0 || k->pid == tid;
}

/* by tid, found through index (tid -> position) */
static void add_task(struct asp_trace *t, struct asp_u64map *index, size_t *cap, int tid, int pid,
		     int ppid, uint64_t time)
{
	bool added;
	uint64_t *at = asp_u64map_ref(index, (uint64_t)(uint32_t)tid, &added);
	if (!added) {
		if (ppid)
			t->tasks[*at].ppid = ppid;
		return;
	}
	*at = t->ntasks;
	if (t->ntasks == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		t->tasks = xreallocarray(t->tasks, *cap, sizeof(*t->tasks));
	}
	t->tasks[t->ntasks++] = (struct task){ .tid = tid, .pid = pid, .ppid = ppid, .time = time };
}

int read_task_txt(struct asp_trace *t, char **err)
{
	char *path = asp_path_join(t->dir, "task.txt");
	const char *why;
	FILE *fp = asp_fopen_file(path, &why);
	if (!fp) {
		int rc = asp_fail(err, "%s: %s", path, why);
		free(path);
		return rc;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	struct { uint64_t time; int tid; char sid[64]; uint64_t base; char lib[4096]; } *dl = NULL;
	size_t ndl = 0;
	struct asp_u64map task_index = { 0 };
	size_t task_cap = 0;
	bool too_long;
	while (asp_getline(&line, &cap, fp, ASP_LINE_MAX, &too_long) > 0) {
		lineno++;
		if (too_long) {
			warnf(t, "%s:%d: a line longer than %u MiB; skipped", path, lineno,
			      ASP_LINE_MAX >> 20);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		const char *ts = field(line, "timestamp=");
		uint64_t time = 0;
		if (!ts || parse_ts(ts, &time) < 0) {
			rc = asp_fail(err, "%s:%d: bad or missing timestamp", path, lineno);
			break;
		}
		if (!strncmp(line, "SESS ", 5)) {
			const char *pid = field(line, " pid="), *sid = field(line, " sid="),
				   *exe = field(line, " exename=\"");
			if (!pid || !sid) {
				rc = asp_fail(err, "%s:%d: SESS line without pid or sid", path, lineno);
				break;
			}
			struct session s = { 0 };
			s.pid = atoi(pid);
			s.sid = xstrndup(sid, strcspn(sid, " "));
			s.time = time;
			s.exename = exe ? xstrndup(exe, strcspn(exe, "\"")) : xstrdup("");
			t->sess = xreallocarray(t->sess, t->nsess + 1, sizeof(s));
			t->sess[t->nsess++] = s;
		} else if (!strncmp(line, "TASK ", 5)) {
			const char *tid = field(line, " tid="), *pid = field(line, " pid=");
			if (!tid || !pid) {
				rc = asp_fail(err, "%s:%d: TASK line without tid or pid", path, lineno);
				break;
			}
			add_task(t, &task_index, &task_cap, atoi(tid), atoi(pid), 0, time);
		} else if (!strncmp(line, "FORK ", 5)) {
			const char *pid = field(line, " pid="), *ppid = field(line, " ppid=");
			if (!pid || !ppid) {
				rc = asp_fail(err, "%s:%d: FORK line without pid or ppid", path, lineno);
				break;
			}
			add_task(t, &task_index, &task_cap, atoi(pid), atoi(pid), atoi(ppid), time);
		} else if (!strncmp(line, "DLOP ", 5)) {
			const char *tid = field(line, " tid="), *sid = field(line, " sid="),
				   *base = field(line, " base="), *lib = field(line, " libname=\"");
			if (!tid || !sid || !base || !lib) {
				rc = asp_fail(err, "%s:%d: DLOP line incomplete", path, lineno);
				break;
			}
			dl = xreallocarray(dl, ndl + 1, sizeof(*dl));
			dl[ndl].time = time;
			dl[ndl].tid = atoi(tid);
			snprintf(dl[ndl].sid, sizeof(dl[ndl].sid), "%.*s", (int)strcspn(sid, " "), sid);
			dl[ndl].base = strtoull(base, NULL, 16);
			snprintf(dl[ndl].lib, sizeof(dl[ndl].lib), "%.*s", (int)strcspn(lib, "\""), lib);
			ndl++;
		} else if (!strncmp(line, "EXEC ", 5)) {
			/* an exec starts a new session, already given by SESS */
		} else {
			warnf(t, "%s:%d: unknown line kind skipped", path, lineno);
		}
	}
	free(line);
	fclose(fp);
	asp_u64map_free(&task_index);
	if (rc == 0 && t->nsess == 0)
		rc = asp_fail(err, "%s: no session (SESS line); the recording is incomplete", path);
	if (rc == 0) {
		int unusable = 0;
		asp_qsort(t->sess, t->nsess, sizeof(*t->sess), sess_cmp);
		asp_qsort(t->tasks, t->ntasks, sizeof(*t->tasks), task_cmp);
		for (size_t i = 0; i < t->nsess; i++)
			read_map(t, &t->sess[i], &unusable, err);
		if (unusable > 1)
			warnf(t, "%s: %d more sessions have no usable map (sid-*.map); no symbols for them",
			      t->dir, unusable - 1);
		/* a dlopen'ed library extends its session's maps from its base
		 * to the end of its last symbol */
		for (size_t i = 0; i < ndl; i++) {
			for (size_t k = 0; k < t->nsess; k++) {
				struct session *s = &t->sess[k];
				if (strcmp(s->sid, dl[i].sid))
					continue;
				struct asp_module *m = get_module(t, dl[i].lib, NULL);
				if (!m->loaded)
					load_module(t, m);
				uint64_t span = m->nsyms ? m->syms[m->nsyms - 1].addr +
								  m->syms[m->nsyms - 1].size
							 : 1;
				s->maps = xreallocarray(s->maps, s->nmaps + 1, sizeof(*s->maps));
				s->maps[s->nmaps++] = (struct map_ent){ dl[i].base, dl[i].base + span, m };
			}
		}
		for (size_t i = 0; i < t->nsess; i++)
			asp_qsort(t->sess[i].maps, t->sess[i].nmaps, sizeof(struct map_ent), map_cmp);
	}
	free(dl);
	free(path);
	return rc;
}

/* the session of tid at time: the newest session of its process started by
 * then, else the first one; a task without a session of its own inherits its
 * parent's (fork) */
struct session *task_session(struct asp_trace *t, int tid, uint64_t time)
{
	for (int hops = 0; hops < 64; hops++) {
		struct task *tk = find_task(t, tid);
		int pid = tk ? tk->pid : tid;
		struct session *best = NULL, *first = NULL;
		for (size_t i = 0; i < t->nsess; i++) {
			struct session *s = &t->sess[i];
			if (s->pid != pid)
				continue;
			if (!first)
				first = s;
			if (s->time <= time)
				best = s;
		}
		if (best || first)
			return best ? best : first;
		if (!tk)
			break;
		int parent = tk->ppid ? tk->ppid : tk->pid;
		if (parent == 0 || parent == tid)
			break;
		tid = parent;
	}
	return t->nsess == 1 ? &t->sess[0] : NULL;
}

const struct asp_symbol *session_lookup(struct asp_trace *t, struct session *s,
					uint64_t addr)
{
	if (!s)
		return NULL;
	size_t lo = 0, hi = s->nmaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < s->maps[mid].start)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* maps[lo-1] is the last map starting at or below addr */
	for (size_t i = lo; i-- > 0;) {
		struct map_ent *me = &s->maps[i];
		if (addr < me->end)
			return module_find(t, me->mod, addr - me->start);
		if (lo - i > 4)
			break;
	}
	return NULL;
}

const struct asp_symbol *asp_trace_lookup(struct asp_trace *t, int tid, uint64_t time,
					  uint64_t addr)
{
	return session_lookup(t, task_session(t, tid, time), addr);
}

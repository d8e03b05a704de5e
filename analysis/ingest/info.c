/* info.c - the info file: a 40-byte binary header (magic "Ftrace!\0",
 * version, header size, endianness and ELF class, the feat_mask and
 * info_mask bits, max_stack) and then "key:value" text lines, of which
 * asprof keeps what it uses (exename, build_id, exit_status, cmdline,
 * taskinfo:tids, the argument specs, record_date, elapsed_time,
 * pattern_type, uftrace_version). */
#include "ingest-private.h"
#include "analysis/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INFO_HEADER_SIZE 40

/* *dst = the rest of the line; a key given twice keeps its last value */
static void set_line(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrndup(s, strcspn(s, "\n"));
}

static int parse_tids(struct asp_info *info, const char *s)
{
	size_t cap = info->ntids;
	while (*s && *s != '\n') {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v <= 0 || v > INT32_MAX)
			return -1;
		if (info->ntids == cap) {
			cap = cap ? 2 * cap : 16;
			info->tids = xreallocarray(info->tids, cap, sizeof(int));
		}
		info->tids[info->ntids++] = (int)v;
		s = end;
		if (*s == ',')
			s++;
	}
	return 0;
}

int read_info(struct asp_trace *t, char **err)
{
	char *path = asp_path_join(t->dir, "info");
	size_t len;
	char *why = NULL;
	struct stat big;
	/* a few kilobytes, a megabyte with many argument specs */
	if (stat(path, &big) == 0 && S_ISREG(big.st_mode) && big.st_size > (64 << 20)) {
		int rc = asp_fail(err, "%s: %lld bytes, too large for a uftrace info file", path,
				  (long long)big.st_size);
		free(path);
		return rc;
	}
	char *buf = asp_read_file(path, &len, &why);
	if (!buf) {
		struct stat st;
		int rc;
		if (lstat(path, &st) < 0)
			rc = asp_fail(err, "%s: missing; %s is not a uftrace data directory", path, t->dir);
		else
			rc = asp_fail(err, "%s", why);
		free(why);
		free(path);
		return rc;
	}
	int rc = -1;
	struct asp_info *info = &t->info;
	if (len < INFO_HEADER_SIZE) {
		asp_fail(err, "%s: truncated header (%zu of %d bytes)", path, len, INFO_HEADER_SIZE);
		goto out;
	}
	if (memcmp(buf, "Ftrace!\0", 8) != 0) {
		asp_fail(err, "%s: bad magic, not a uftrace data file", path);
		goto out;
	}
	memcpy(&info->version, buf + 8, 4);
	uint16_t hsize;
	memcpy(&hsize, buf + 12, 2);
	info->endian = (uint8_t)buf[14];
	info->elf_class = (uint8_t)buf[15];
	memcpy(&info->feat_mask, buf + 16, 8);
	memcpy(&info->info_mask, buf + 24, 8);
	memcpy(&info->max_stack, buf + 32, 2);
	if (info->version < 3 || info->version > 4) {
		asp_fail(err, "%s: unsupported uftrace data version %u (3 or 4 expected)", path,
			 info->version);
		goto out;
	}
	if (info->endian != 1 || info->elf_class != 2) {
		asp_fail(err, "%s: only little-endian 64-bit recordings are supported", path);
		goto out;
	}
	if (hsize < INFO_HEADER_SIZE || hsize > len) {
		asp_fail(err, "%s: bad header size %u", path, hsize);
		goto out;
	}
	/* text sections: "key:value" lines; multi-line sections start with
	 * "key:lines=N". We keep what asprof uses and skip the rest. */
	for (char *p = buf + hsize; p < buf + len && *p;) {
		char *nl = strchr(p, '\n');
		char *next = nl ? nl + 1 : buf + len;
		if (!strncmp(p, "exename:", 8))
			set_line(&info->exename, p + 8);
		else if (!strncmp(p, "build_id:", 9))
			set_line(&info->build_id, p + 9);
		else if (!strncmp(p, "exit_status:", 12)) {
			info->has_exit_status = true;
			info->exit_status = atoi(p + 12);
		} else if (!strncmp(p, "cmdline:", 8))
			set_line(&info->cmdline, p + 8);
		else if (!strncmp(p, "taskinfo:tids=", 14)) {
			if (parse_tids(info, p + 14) < 0) {
				asp_fail(err, "%s: bad taskinfo tid list", path);
				goto out;
			}
		} else if (!strncmp(p, "argspec:", 8) && strncmp(p + 8, "lines=", 6))
			set_line(&info->argspec, p + 8);
		else if (!strncmp(p, "retspec:", 8))
			set_line(&info->retspec, p + 8);
		else if (!strncmp(p, "argauto:", 8))
			set_line(&info->argauto, p + 8);
		else if (!strncmp(p, "retauto:", 8))
			set_line(&info->retauto, p + 8);
		else if (!strncmp(p, "auto-args:1", 11))
			info->auto_args = true;
		else if (!strncmp(p, "record_date:", 12))
			set_line(&info->record_date, p + 12);
		else if (!strncmp(p, "elapsed_time:", 13))
			set_line(&info->elapsed_time, p + 13);
		else if (!strncmp(p, "pattern_type:", 13))
			set_line(&info->pattern_type, p + 13);
		else if (!strncmp(p, "uftrace_version:", 16))
			set_line(&info->uftrace_version, p + 16);
		else if (!strncmp(p, "osinfo:kernel=", 14))
			set_line(&info->kernel, p + 14);
		p = next;
	}
	rc = 0;
out:
	free(buf);
	free(path);
	return rc;
}

void free_info(struct asp_info *info)
{
	free(info->exename);
	free(info->build_id);
	free(info->cmdline);
	free(info->record_date);
	free(info->elapsed_time);
	free(info->uftrace_version);
	free(info->kernel);
	free(info->pattern_type);
	free(info->argspec);
	free(info->retspec);
	free(info->argauto);
	free(info->retauto);
	free(info->tids);
}

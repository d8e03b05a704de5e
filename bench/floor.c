/* floor.c - the raw-read floor for bench/run.sh: the least work any reader
 * of a uftrace recording must do. Reads every <tid>.dat of a data directory
 * and touches every 16-byte record: sums the timestamps and counts the
 * record types, skipping argument/event payloads the way a reader must
 * (it follows the `more` bit: for EVENT records by their length; for
 * ENTRY/EXIT it cannot know the layout without the symbols, so it scans to
 * the next record with a valid magic, which on recordings without -A/-R
 * never happens).
 *
 *   floor [-m] DIR     -m: mmap the files instead of read() into 1 MiB
 *
 * Prints "records N time_sum S entry E exit X lost L event V". */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF_SIZE (1u << 20)

struct totals {
	uint64_t records, time_sum, types[4];
};

/* walks whole records in p[0..n); returns the bytes consumed */
static size_t scan(const uint8_t *p, size_t n, struct totals *t)
{
	size_t off = 0;
	while (off + 16 <= n) {
		uint64_t time, w;
		memcpy(&time, p + off, 8);
		memcpy(&w, p + off + 8, 8);
		if (((w >> 3) & 7) != 5) { /* not a record start: resync */
			off += 8;
			continue;
		}
		if ((w >> 2) & 1 && (w & 3) == 3) { /* event payload */
			if (off + 18 > n)
				break;
			uint16_t len;
			memcpy(&len, p + off + 16, 2);
			size_t need = 16 + (((size_t)len + 2 + 7) & ~(size_t)7);
			if (off + need > n)
				break;
			off += need - 16;
		}
		t->records++;
		t->time_sum += time;
		t->types[w & 3]++;
		off += 16;
	}
	return off;
}

static void read_file(const char *path, int use_mmap, struct totals *t, uint8_t *buf)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	if (use_mmap) {
		struct stat st;
		fstat(fd, &st);
		if (st.st_size) {
			uint8_t *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (p == MAP_FAILED) {
				perror("mmap");
				exit(1);
			}
			madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
			scan(p, (size_t)st.st_size, t);
			munmap(p, (size_t)st.st_size);
		}
	} else {
		size_t have = 0;
		ssize_t got;
		while ((got = read(fd, buf + have, BUF_SIZE - have)) > 0) {
			have += (size_t)got;
			size_t used = scan(buf, have, t);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int use_mmap = 0, i = 1;
	if (i < argc && !strcmp(argv[i], "-m")) {
		use_mmap = 1;
		i++;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: floor [-m] DIR\n");
		return 2;
	}
	const char *dir = argv[i];
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	uint8_t *buf = malloc(BUF_SIZE);
	struct totals t = { 0 };
	struct dirent *de;
	char path[4096];
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (end == de->d_name || v <= 0 || strcmp(end, ".dat"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		read_file(path, use_mmap, &t, buf);
	}
	closedir(d);
	free(buf);
	printf("records %" PRIu64 " time_sum %" PRIu64 " entry %" PRIu64 " exit %" PRIu64
	       " lost %" PRIu64 " event %" PRIu64 "\n",
	       t.records, t.time_sum, t.types[0], t.types[1], t.types[2], t.types[3]);
	return 0;
}

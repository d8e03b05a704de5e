/* floor.c - the raw-read floor for bench/run.sh: the least work any reader
 * of a uftrace recording must do. Reads every <tid>.dat of a data directory
 * and touches every 16-byte record: sums the timestamps and counts the
 * record types, stepping over argument/event payloads the way a reader must
 * (see scan()). No symbols, no stacks, no output: what no tool can beat.
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

#define HOUR_NS (3600ULL * 1000000000ULL)

/* walks whole records in p[0..n); returns the bytes consumed. After an
 * entry/exit with payload (its layout is in the symbols, unknown here) the
 * next record is found as asprof does without a layout: 8 bytes at a time,
 * the first with the magic and a time at most an hour after the last. */
static size_t scan(const uint8_t *p, size_t n, struct totals *t, uint64_t *last, int *resync)
{
	size_t off = 0;
	while (off + 16 <= n) {
		uint64_t time, w;
		memcpy(&time, p + off, 8);
		memcpy(&w, p + off + 8, 8);
		if (((w >> 3) & 7) != 5 ||
		    (*resync && (time < *last || time - *last > HOUR_NS))) {
			off += 8;
			continue;
		}
		*resync = 0;
		unsigned type = w & 3;
		if ((w >> 2) & 1) {
			if (type == 3) { /* event: u16 length + data, 8-aligned */
				if (off + 18 > n)
					break;
				uint16_t len;
				memcpy(&len, p + off + 16, 2);
				size_t need = 16 + (((size_t)len + 2 + 7) & ~(size_t)7);
				if (off + need > n)
					break;
				off += need - 16;
			} else if (type <= 1) {
				*resync = 1;
			}
		}
		t->records++;
		t->time_sum += time;
		t->types[type]++;
		if (time)
			*last = time;
		off += 16;
	}
	return off;
}

static void read_file(const char *path, int use_mmap, struct totals *t, uint8_t *buf)
{
	uint64_t last = 0;
	int resync = 0;
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
			scan(p, (size_t)st.st_size, t, &last, &resync);
			munmap(p, (size_t)st.st_size);
		}
	} else {
		size_t have = 0;
		ssize_t got;
		while ((got = read(fd, buf + have, BUF_SIZE - have)) > 0) {
			have += (size_t)got;
			size_t used = scan(buf, have, t, &last, &resync);
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

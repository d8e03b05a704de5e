/* tap.h - a tiny TAP harness for unit tests. Each case runs in a forked
 * child, so a crash fails that case and the suite goes on (as uftrace's
 * unit tests do). Usage:
 *   TEST(name) { CHECK(x == 1); CHECK_STR(a, b); }
 *   int main(void) { return tap_run((struct tap_case[]){ CASE(name), ... , {0} }); }
 */
#ifndef ASP_TAP_H
#define ASP_TAP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct tap_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void test_##name(void)
#define CASE(name) { #name, test_##name }

static int tap_failures_;

/* the case cannot run here (a missing tool or fixture): it is reported as
 * skipped, never as passed */
#define TAP_SKIP_STATUS 77
#define TAP_SKIP(why)                                            \
	do {                                                     \
		fprintf(stderr, "# skipped: %s\n", (why));       \
		fflush(stderr);                                  \
		_exit(TAP_SKIP_STATUS);                          \
	} while (0)

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                 \
			tap_failures_++;                                                \
		}                                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *a_ = (a), *b_ = (b);                                          \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                       \
			fprintf(stderr, "# %s:%d: '%s' != '%s'\n", __FILE__, __LINE__,    \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
			tap_failures_++;                                                  \
		}                                                                         \
	} while (0)

#define CHECK_U64(a, b)                                                                   \
	do {                                                                              \
		unsigned long long a_ = (a), b_ = (b);                                    \
		if (a_ != b_) {                                                           \
			fprintf(stderr, "# %s:%d: %s == %llu, expected %llu\n", __FILE__, \
				__LINE__, #a, a_, b_);                                    \
			tap_failures_++;                                                  \
		}                                                                         \
	} while (0)

static inline int tap_run(const struct tap_case *cases)
{
	int n = 0, failed = 0;
	while (cases[n].name)
		n++;
	printf("1..%d\n", n);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			tap_failures_ = 0;
			cases[i].fn();
			fflush(stderr);
			_exit(tap_failures_ ? 1 : 0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		bool skipped = WIFEXITED(status) && WEXITSTATUS(status) == TAP_SKIP_STATUS;
		int ok = skipped || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
		if (!ok && WIFSIGNALED(status))
			fprintf(stderr, "# %s: killed by signal %d\n", cases[i].name, WTERMSIG(status));
		printf("%sok %d - %s%s\n", ok ? "" : "not ", i + 1, cases[i].name,
		       skipped ? " # SKIP" : "");
		fflush(stdout);
		failed += !ok;
	}
	return failed ? 1 : 0;
}

/* a scratch directory removed by the caller with tap_rmdir */
static inline char *tap_tmpdir(void)
{
	char tmpl[] = "/tmp/asprof-test.XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static inline void tap_write(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		exit(1);
	}
	fwrite(data, 1, len, fp);
	fclose(fp);
}

static inline void tap_rmdir(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

#endif

/* fuzz-perf.c - libFuzzer target: the input is perf-cpu0.dat (the scheduler
 * events uftrace copies from the kernel's perf buffer) of a recording trimmed
 * from tests/fixtures/tokio_mt_args. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("tokio", "perf-cpu0.dat");
	fz_write(dir, "perf-cpu0.dat", data, size);
	fz_walk(dir);
	return 0;
}

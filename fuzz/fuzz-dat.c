/* fuzz-dat.c - libFuzzer target: the input is one thread's <tid>.dat of a
 * recording trimmed from tests/fixtures/tokio_mt_args (real symbols, regex
 * argspec patterns, three threads merged). */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("tokio", "17342.dat");
	fz_write(dir, "17342.dat", data, size);
	fz_walk(dir);
	return 0;
}

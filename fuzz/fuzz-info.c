/* fuzz-info.c - libFuzzer target: the input is the info file (40-byte header and
 * key:value text, argspec patterns included) of a synthetic recording. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("synthetic", "info");
	fz_write(dir, "info", data, size);
	fz_walk(dir);
	return 0;
}

/* fuzz-map.c - libFuzzer target: the input is the session's sid-<sid>.map (the
 * process's memory map) of a synthetic recording. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("synthetic", "sid-abcd.map");
	fz_write(dir, "sid-abcd.map", data, size);
	fz_walk(dir);
	return 0;
}

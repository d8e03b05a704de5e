/* fuzz-dat-args.c - libFuzzer target: the input is one thread's <tid>.dat in a synthetic
 * recording whose info has argspec/retspec/argauto patterns for every
 * argument format (integers, strings, std::string, chars, floats, structs,
 * enums), so entry and exit payloads are decoded and formatted. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("synthetic", "100.dat");
	fz_write(dir, "100.dat", data, size);
	fz_walk(dir);
	return 0;
}

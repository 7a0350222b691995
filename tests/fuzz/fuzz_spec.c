/* libFuzzer target for the config.json parser: spec_parse() must never crash, leak or read out of
 * bounds, whatever the input.
 *
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/fuzz/fuzz_spec.c \
 *         $(ls src/spec/[a-z]*.c) src/util/error.c src/util/log.c -ljansson -lseccomp
 *
 * Built with -DHUSK_FUZZ_STANDALONE (gcc + ASan, no libFuzzer), it runs the target once over
 * every file named on the command line: a regression/smoke runner for the corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "spec/spec.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct husk_error err;
	struct spec *s = NULL;

	if (spec_parse((const char *)data, size, "config.json", &s, &err) == 0) {
		/* exercise the lookups on whatever was accepted */
		spec_namespace(s, 0);
		spec_annotation(s, "");
		spec_free(s);
	}
	return 0;
}

#ifdef HUSK_FUZZ_STANDALONE
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, len = 0, n;
	uint8_t *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++)
		if (run_file(argv[i]) < 0)
			failed = 1;
	printf("%d input(s) run\n", argc - 1);
	return failed;
}
#endif

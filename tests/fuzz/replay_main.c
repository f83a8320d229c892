/*
 * Plain main() for a libFuzzer target: replays every file of the corpus
 * directories (or files) named on the command line, so `make check` runs the
 * corpora without the fuzzing engine (and under ASan+UBSan in build/asan).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	/* An exact-size copy so ASan sees reads past the end. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st)) {
			printf("not ok - corpus %s: missing\n", argv[i]);
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]))
				failed = 1;
			printf("%s - replay %s\n", failed ? "not ok" : "ok", argv[i]);
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		unsigned n = 0, bad = 0;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
			if (replay_file(path))
				bad++;
			n++;
		}
		if (d)
			closedir(d);
		if (!n || bad) {
			printf("not ok - replay %s: %u inputs, %u unreadable\n", argv[i], n, bad);
			failed = 1;
		} else {
			printf("ok - replay %s: %u inputs\n", argv[i], n);
		}
	}
	return failed;
}

/*
 * SHA-256: FIPS 180-4 / NIST CAVP vectors, chunking invariance (random split
 * points, every length around block boundaries), sha256sum as the control on
 * real files, and a throughput line for information.
 */
#include <initstack/sha256.h>

#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "tmp.h"

static const char *hex_of(const void *p, size_t n, char hex[IST_SHA256_HEX])
{
	uint8_t d[IST_SHA256_SIZE];
	ist_sha256(p, n, d);
	return ist_sha256_hex(d, hex);
}

static void test_nist_vectors(void)
{
	static const struct {
		const char *msg;
		const char *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[IST_SHA256_HEX];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		CHECK_STR(hex_of(v[i].msg, strlen(v[i].msg), hex), v[i].hex);
}

/* One million 'a', fed in uneven pieces and in one piece. */
static void test_million_a(void)
{
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	size_t n = 1000000;
	char *a = malloc(n);
	REQUIRE(a);
	memset(a, 'a', n);
	char hex[IST_SHA256_HEX];
	CHECK_STR(hex_of(a, n, hex), want);

	struct ist_sha256 c;
	uint8_t d[IST_SHA256_SIZE];
	ist_sha256_init(&c);
	for (size_t off = 0, step = 1; off < n; off += step, step = step * 3 % 1001 + 1)
		ist_sha256_update(&c, a + off, step < n - off ? step : n - off);
	ist_sha256_final(&c, d);
	CHECK_STR(ist_sha256_hex(d, hex), want);
	free(a);
}

/* Empty updates (NULL pointer included) change nothing. */
static void test_empty_updates(void)
{
	struct ist_sha256 c;
	uint8_t d[IST_SHA256_SIZE];
	char hex[IST_SHA256_HEX];
	ist_sha256_init(&c);
	ist_sha256_update(&c, NULL, 0);
	ist_sha256_update(&c, "ab", 2);
	ist_sha256_update(&c, "", 0);
	ist_sha256_update(&c, "c", 1);
	ist_sha256_update(&c, NULL, 0);
	ist_sha256_final(&c, d);
	CHECK_STR(ist_sha256_hex(d, hex),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/*
 * Every length from 0 to 300 (all padding cases: 55/56/63/64 mod 64) hashed
 * whole equals the same bytes hashed in random pieces, and a copied context
 * forks the digest.
 */
static void test_chunking_invariance(void)
{
	uint8_t data[300];
	tmp_fill_random(data, sizeof data, 7);
	uint64_t x = 12345;
	for (size_t len = 0; len <= sizeof data; len++) {
		uint8_t whole[IST_SHA256_SIZE], parts[IST_SHA256_SIZE];
		ist_sha256(data, len, whole);
		for (int trial = 0; trial < 8; trial++) {
			struct ist_sha256 c;
			ist_sha256_init(&c);
			size_t off = 0;
			while (off < len) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				size_t step = (size_t)(x >> 33) % (trial < 4 ? 9 : 130);
				if (step > len - off)
					step = len - off;
				ist_sha256_update(&c, data + off, step);
				off += step;
			}
			ist_sha256_final(&c, parts);
			if (memcmp(whole, parts, sizeof whole)) {
				fprintf(stderr, "  len %zu trial %d differs\n", len, trial);
				CHECK(0);
				return;
			}
		}
	}
	struct ist_sha256 c, fork;
	uint8_t d1[IST_SHA256_SIZE], d2[IST_SHA256_SIZE], want[IST_SHA256_SIZE];
	ist_sha256_init(&c);
	ist_sha256_update(&c, data, 100);
	fork = c;
	ist_sha256_update(&c, data + 100, 200);
	ist_sha256_final(&c, d1);
	ist_sha256_update(&fork, data + 100, 200);
	ist_sha256_final(&fork, d2);
	ist_sha256(data, 300, want);
	CHECK(!memcmp(d1, want, sizeof want));
	CHECK(!memcmp(d2, want, sizeof want));
}

/* sha256sum on files of several sizes, including binaries of this system. */
static void test_against_sha256sum(void)
{
	static const size_t sizes[] = { 0, 1, 55, 56, 64, 1000, 65537, 3 << 20 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint8_t *b = malloc(sizes[i] + 1);
		REQUIRE(b);
		tmp_fill_random(b, sizes[i], i + 100);
		char *path = tmp_path("r%zu", i);
		REQUIRE(path && !tmp_write(path, b, sizes[i]));
		free(b);
		free(path);
	}
	const char *files[] = { "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
				"/bin/sh", "/usr/bin/cpio", "/etc/os-release" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *path = files[i][0] == '/' ? strdup(files[i]) : tmp_path("%s", files[i]);
		REQUIRE(path);
		size_t n;
		uint8_t *data = tmp_read(path, &n);
		int st;
		char *out = tmp_sh_out(&st, NULL, "sha256sum < '%s'", path);
		if (data && out && st == 0 && strlen(out) >= 64) {
			out[64] = '\0';
			char hex[IST_SHA256_HEX];
			CHECK_STR(hex_of(data, n, hex), out);
		} else {
			fprintf(stderr, "  %s: cannot read or run sha256sum\n", path);
			CHECK(0);
		}
		free(out);
		free(data);
		free(path);
	}
}

/* Not a pass/fail test: prints the throughput as a TAP comment. */
static void test_throughput(void)
{
	size_t n = 64u << 20;
	uint8_t *b = malloc(n);
	REQUIRE(b);
	tmp_fill_random(b, n, 1);
	struct timespec t0, t1;
	uint8_t d[IST_SHA256_SIZE];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ist_sha256(b, n, d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# sha256: %.0f MB/s over %zu MiB\n", (double)n / 1e6 / (s > 0 ? s : 1e-9), n >> 20);
	free(b);
}

int main(void)
{
	RUN(test_nist_vectors);
	RUN(test_million_a);
	RUN(test_empty_updates);
	RUN(test_chunking_invariance);
	RUN(test_against_sha256sum);
	RUN(test_throughput);
	return check_done();
}

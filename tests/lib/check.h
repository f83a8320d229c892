/*
 * A tiny test harness. Each test is a function; RUN() calls it and prints
 * "ok - NAME" or "not ok - NAME" (tests/run.sh counts these lines). CHECK
 * records a failure with file and line and goes on; REQUIRE returns from the
 * test. check_done() returns the process exit status.
 */
#ifndef INITSTACK_TEST_CHECK_H
#define INITSTACK_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failed_now;
static int check_total_failed;
static int check_total_run;

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#c);                                               \
			check_failed_now++;                                        \
		}                                                                  \
	} while (0)

#define REQUIRE(c)                                                                 \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, \
				#c);                                               \
			check_failed_now++;                                        \
			return;                                                    \
		}                                                                  \
	} while (0)

#define CHECK_EQ_U(a, b)                                                           \
	do {                                                                       \
		unsigned long long check_a_ = (a), check_b_ = (b);                 \
		if (check_a_ != check_b_) {                                        \
			fprintf(stderr, "  %s:%d: %s == %llu, expected %s == %llu\n",  \
				__FILE__, __LINE__, #a, check_a_, #b, check_b_);   \
			check_failed_now++;                                        \
		}                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                            \
	do {                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                       \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {       \
			fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n",    \
				__FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)", \
				check_b_ ? check_b_ : "(null)");                   \
			check_failed_now++;                                        \
		}                                                                  \
	} while (0)

/* The message contains the expected text. */
#define CHECK_CONTAINS(hay, needle)                                                \
	do {                                                                       \
		const char *check_h_ = (hay), *check_n_ = (needle);                \
		if (!check_h_ || !strstr(check_h_, check_n_)) {                    \
			fprintf(stderr, "  %s:%d: \"%s\" lacks \"%s\"\n", __FILE__,    \
				__LINE__, check_h_ ? check_h_ : "(null)", check_n_); \
			check_failed_now++;                                        \
		}                                                                  \
	} while (0)

static inline void check_run(const char *name, void (*fn)(void))
{
	check_failed_now = 0;
	fn();
	check_total_run++;
	if (check_failed_now) {
		check_total_failed++;
		printf("not ok - %s\n", name);
	} else {
		printf("ok - %s\n", name);
	}
	fflush(stdout);
}

#define RUN(fn) check_run(#fn, fn)

static inline int check_done(void)
{
	return check_total_failed ? 1 : 0;
}

#endif

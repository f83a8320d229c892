/*
 * Entry order: ist_version_cmp against the order systemd-boot uses (each
 * expected sign below is what `systemd-analyze compare-versions A B` of
 * systemd 252 prints), both ways round, and a total order on Debian's
 * kernel versions.
 */
#include <initstack/entry.h>

#include <stdlib.h>
#include <string.h>

#include "check.h"

static int sign(int v) { return v < 0 ? -1 : v > 0; }

static void systemd_pairs(void)
{
	static const struct {
		const char *a, *b;
		int cmp;
	} v[] = {
		{ "6.1.0-10-amd64", "6.1.0-9-amd64", 1 },
		{ "6.10.0-1-amd64", "6.1.0-27-amd64", 1 },
		{ "6.2~rc1", "6.2", -1 },
		{ "1.0a", "1.0", 1 },
		{ "1.0", "1-0", 1 },
		{ "1_0", "1.0", 1 },
		{ "1a", "1.0", 1 },
		{ "1.0", "1.0^", -1 },
		{ "1.0^", "1.0.1", -1 },
		{ "1.0^a", "1.0^", 1 },
		{ "abc-5", "1.0.0~rc1", -1 },
		{ "007", "7", 0 },
		{ "a", "A", 1 },
		{ "0", "", 1 },
		{ "~", "", -1 },
		{ "", "", 0 },
		{ "122.1", "123~rc1-1", -1 },
		{ "123~rc1-1", "123", -1 },
		{ "123", "123.a", -1 },
		{ "123.a", "123.b", -1 },
		{ "123.b", "123a", -1 },
		{ "123a", "124", -1 },
		{ "225.1", "2", 1 },
		{ "ab-6.1", "ab-6.1.0", -1 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (sign(ist_version_cmp(v[i].a, v[i].b)) != v[i].cmp ||
		    sign(ist_version_cmp(v[i].b, v[i].a)) != -v[i].cmp) {
			CHECK(!"order");
			fprintf(stderr, "  \"%s\" vs \"%s\": want %d\n", v[i].a, v[i].b, v[i].cmp);
		}
	}
}

static int by_version(const void *a, const void *b)
{
	return ist_version_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void entry_names_sort(void)
{
	const char *names[] = {
		"debian-6.1.0-9-amd64.conf",  "debian-6.10.2-1-amd64.conf", "debian-6.1.0-27-amd64.conf",
		"debian-5.10.0-30-amd64.conf", "debian-6.1.0-10-amd64.conf",
	};
	qsort(names, sizeof names / sizeof names[0], sizeof names[0], by_version);
	CHECK_STR(names[0], "debian-5.10.0-30-amd64.conf");
	CHECK_STR(names[1], "debian-6.1.0-9-amd64.conf");
	CHECK_STR(names[2], "debian-6.1.0-10-amd64.conf");
	CHECK_STR(names[3], "debian-6.1.0-27-amd64.conf");
	CHECK_STR(names[4], "debian-6.10.2-1-amd64.conf");
}

int main(void)
{
	RUN(systemd_pairs);
	RUN(entry_names_sort);
	return check_done();
}

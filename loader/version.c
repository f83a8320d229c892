/*
 * Version order for boot entries (include/initstack/entry.h), after the UAPI
 * Version Format Specification, which systemd-boot sorts its entries by: the
 * loader picks the newest entry of /loader/entries with it.
 */
#include <initstack/entry.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_kept(char c) { return is_digit(c) || is_alpha(c) || c == '~' || c == '-' || c == '^' || c == '.'; }

int ist_version_cmp(const char *a, const char *b)
{
	for (;;) {
		while (*a && !is_kept(*a))
			a++;
		while (*b && !is_kept(*b))
			b++;
		/* a pre-release: older than anything, even the end */
		if (*a == '~' || *b == '~') {
			if (*a != *b)
				return *a == '~' ? -1 : 1;
			a++, b++;
			continue;
		}
		if (!*a || !*b)
			return *a ? 1 : *b ? -1 : 0;
		/* '-', then '^', then '.': the side that has it is older */
		static const char seps[] = "-^.";
		bool sep = false;
		for (const char *s = seps; *s && !sep; s++) {
			if (*a == *s || *b == *s) {
				if (*a != *b)
					return *a == *s ? -1 : 1;
				a++, b++;
				sep = true;
			}
		}
		if (sep)
			continue;
		if (is_digit(*a) != is_digit(*b))
			return is_digit(*a) ? 1 : -1; /* letters are older than digits */
		if (is_digit(*a)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			const char *ea = a, *eb = b;
			while (is_digit(*ea))
				ea++;
			while (is_digit(*eb))
				eb++;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return *a < *b ? -1 : 1;
		} else {
			for (; is_alpha(*a) && is_alpha(*b); a++, b++)
				if (*a != *b)
					return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
			if (is_alpha(*a) != is_alpha(*b))
				return is_alpha(*a) ? 1 : -1;
		}
	}
}

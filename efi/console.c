/* Console output: the core's formatter, then UCS-2 to ConOut. */
#include <initstack/format.h>

#include "efi-util.h"

void say(const char *fmt, ...)
{
	char buf[512];
	CHAR16 out[520];
	ist_va_list ap;
	ist_va_start(ap, fmt);
	size_t n = ist_vformat(buf, sizeof buf - 2, fmt, ap);
	ist_va_end(ap);
	buf[n++] = '\r';
	buf[n++] = '\n';
	UINTN o = 0;
	for (size_t i = 0; i < n; i++)
		out[o++] = (unsigned char)buf[i] < 0x80 ? (CHAR16)buf[i] : L'?';
	out[o] = 0;
	ST->ConOut->OutputString(ST->ConOut, out);
}

bool ascii_to_ucs2(const char *s, CHAR16 *out, UINTN cap)
{
	UINTN i = 0;
	for (; s[i]; i++) {
		if (i + 1 >= cap)
			return false;
		out[i] = (unsigned char)s[i];
	}
	out[i] = 0;
	return true;
}

bool ucs2_to_ascii(const CHAR16 *s, UINTN len, char *out, UINTN cap)
{
	UINTN i = 0;
	for (; i < len && s[i]; i++) {
		if (i + 1 >= cap || s[i] >= 0x80)
			return false;
		out[i] = (char)s[i];
	}
	out[i] = '\0';
	return true;
}

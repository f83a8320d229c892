/* Freestanding message formatting: the subset the core's messages use. */
#include <initstack/format.h>

#include "shim.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
}

static void put_uint(struct out *o, unsigned long long v, unsigned base, int width, bool zero)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (width > n) {
		put(o, zero ? '0' : ' ');
		width--;
	}
	while (n)
		put(o, tmp[--n]);
}

size_t ist_vformat(char *buf, size_t size, const char *fmt, ist_va_list ap)
{
	struct out o = { buf, size, 0 };
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		bool zero = false;
		int width = 0, prec = -1;
		if (*f == '0') {
			zero = true;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		if (f[0] == '.' && f[1] == '*') {
			prec = ist_va_arg(ap, int);
			f += 2;
		}
		int longs = 0;
		bool size_t_arg = false;
		while (*f == 'l') {
			longs++;
			f++;
		}
		if (*f == 'z') {
			size_t_arg = true;
			f++;
		}
		switch (*f) {
		case '%':
			put(&o, '%');
			break;
		case 'c':
			put(&o, (char)ist_va_arg(ap, int));
			break;
		case 's': {
			const char *s = ist_va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (int i = 0; (prec < 0 || i < prec) && s[i]; i++)
				put(&o, s[i]);
			break;
		}
		case 'd': {
			long long v = longs ? ist_va_arg(ap, long long) : ist_va_arg(ap, int);
			unsigned long long u = (unsigned long long)v;
			if (v < 0) {
				put(&o, '-');
				u = 0 - u;
			}
			put_uint(&o, u, 10, width, zero);
			break;
		}
		case 'u':
		case 'o':
		case 'x': {
			unsigned long long v;
			if (size_t_arg)
				v = ist_va_arg(ap, size_t);
			else if (longs)
				v = ist_va_arg(ap, unsigned long long);
			else
				v = ist_va_arg(ap, unsigned);
			put_uint(&o, v, *f == 'x' ? 16 : *f == 'o' ? 8 : 10, width, zero);
			break;
		}
		case '\0':
			f--;
			break;
		default:
			put(&o, '%');
			put(&o, *f);
			break;
		}
	}
	if (o.size)
		o.buf[o.len] = '\0';
	return o.len;
}

size_t ist_format(char *buf, size_t size, const char *fmt, ...)
{
	ist_va_list ap;
	ist_va_start(ap, fmt);
	size_t n = ist_vformat(buf, size, fmt, ap);
	ist_va_end(ap);
	return n;
}

/*
 * The system test's kernel-camp hook: one line on the console, exit 0.
 * A C program, built static, because when handover runs the hooks the
 * rootfs holds only the kernel camp's archive (/kernel/handover and
 * /kernel/hooks/*): there is no shell yet to run a script with.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("INITSTACK-HOOK: 10-hello ran as pid %d, before the deferred archive\n", (int)getpid());
	fflush(stdout);
	return 0;
}

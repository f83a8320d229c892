/*
 * The kernel camp's hooks: every executable regular file directly in a
 * hooks directory (names starting with "." skipped), run one at a time in
 * bytewise name order, each with a clean environment and a timeout.
 *
 * A hook is done when it exits 0. A hook that must keep running (a daemon
 * the distribution's /init will use) signals readiness instead by closing
 * file descriptor 3 (HANDOVER_READY_FD=3 in its environment) while it goes
 * on; handover then moves on and leaves it running. A hook that exits
 * non-zero, is killed by a signal, or neither exits nor signals readiness
 * within the timeout (it is then killed, with its process group) has
 * failed. Every outcome is one line on stderr: "handover: hook NAME: ...".
 */
#ifndef INITSTACK_HANDOVER_HOOKS_H
#define INITSTACK_HANDOVER_HOOKS_H

#include <stdbool.h>

struct ho_hooks_config {
	const char *dir;          /* the hooks directory, e.g. "/kernel/hooks" */
	const char *cwd;          /* the hooks' working directory ("/") */
	unsigned timeout_ms;      /* per hook */
};

/*
 * Run the hooks. Returns the number that failed (0: all done or ready; a
 * missing directory is no hooks), or -1 if the directory cannot be read.
 */
int ho_run_hooks(const struct ho_hooks_config *cfg);

#endif

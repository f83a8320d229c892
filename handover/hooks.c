/* Running the hooks in /kernel/hooks (see hooks.h). */
#include "hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_FD 3
#define TICK_MS 20

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static void child(const char *path, const char *cwd, int ready)
{
	static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=linux",
				     "HANDOVER_READY_FD=3", NULL };
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (ready != READY_FD) {
		if (dup2(ready, READY_FD) < 0)
			_exit(126);
		close(ready);
	} else if (fcntl(READY_FD, F_SETFD, 0) < 0) {
		_exit(126);
	}
	if (chdir(cwd)) {
		fprintf(stderr, "handover: hook %s: chdir %s: %s\n", path, cwd, strerror(errno));
		_exit(126);
	}
	char *const argv[] = { (char *)path, NULL };
	execve(path, argv, env);
	fprintf(stderr, "handover: hook %s: exec: %s\n", path, strerror(errno));
	_exit(127);
}

/* One hook: 0 done or ready, 1 failed. */
static int run_one(const struct ho_hooks_config *cfg, const char *name, const char *path)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "handover: hook %s: pipe: %s (failed)\n", name, strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "handover: hook %s: fork: %s (failed)\n", name, strerror(errno));
		close(p[0]);
		close(p[1]);
		return 1;
	}
	if (!pid) {
		close(p[0]);
		child(path, cfg->cwd, p[1]);
	}
	setpgid(pid, pid); /* as the child does: no race on who is first */
	close(p[1]);
	unsigned long long start = now_ms(), deadline = start + cfg->timeout_ms;
	bool eof = false;
	int rc = 1;
	for (;;) {
		int status;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				fprintf(stderr, "handover: hook %s: done\n", name);
				rc = 0;
			} else if (WIFEXITED(status)) {
				fprintf(stderr, "handover: hook %s: exited with status %d (failed)\n", name,
					WEXITSTATUS(status));
			} else {
				fprintf(stderr, "handover: hook %s: killed by signal %d (failed)\n", name,
					WTERMSIG(status));
			}
			break;
		}
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "handover: hook %s: waitpid: %s (failed)\n", name, strerror(errno));
			break;
		}
		if (eof) {
			/* fd 3 closed and, a tick later, still running: ready */
			fprintf(stderr, "handover: hook %s: ready, left running\n", name);
			rc = 0;
			break;
		}
		unsigned long long t = now_ms();
		if (t >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			fprintf(stderr, "handover: hook %s: no exit and no readiness after %u ms, killed (failed)\n",
				name, cfg->timeout_ms);
			break;
		}
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int wait = (int)(deadline - t < TICK_MS ? deadline - t : TICK_MS);
		int n = poll(&pfd, 1, wait);
		if (n > 0) {
			char buf[64];
			ssize_t k = read(p[0], buf, sizeof buf);
			if (k == 0) {
				eof = true;
				/* give an exiting hook a tick to be reaped first */
				struct timespec ts = { 0, TICK_MS * 1000000L };
				nanosleep(&ts, NULL);
			}
		}
	}
	close(p[0]);
	return rc;
}

int ho_run_hooks(const struct ho_hooks_config *cfg)
{
	DIR *d = opendir(cfg->dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "handover: hooks: %s: %s (failed)\n", cfg->dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", cfg->dir, names[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK)) {
			fprintf(stderr, "handover: hook %s: not an executable file, skipped\n", names[i]);
		} else {
			failed += run_one(cfg, names[i], path);
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

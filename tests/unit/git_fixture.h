/*
 * git_fixture: what unit tests that build real git repositories share:
 * writing a file and running git from an argument vector (fork/exec, never
 * a shell), with GIT(dir, args...) failing the test when git fails and
 * GIT_OUT(dir, args...) returning its stdout. Functions are static inline
 * so a test file that does not use one is still warning-free. Include it
 * after <cmocka.h>.
 */
#ifndef PCDR_TEST_GIT_FIXTURE_H
#define PCDR_TEST_GIT_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strbuf.h"

static inline void fx_write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run git -C dir argv...; stdout into `out` (trailing newline removed). */
static inline int fx_git_run(const char *dir, struct strbuf *out, const char *const *argv)
{
	const char *full[32];
	int fds[2], status;
	size_t n = 0;
	pid_t pid;

	full[n++] = "git";
	full[n++] = "-C";
	full[n++] = dir;
	for (size_t i = 0; argv[i] && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		dup2(devnull, 2);
		close(fds[0]);
		execvp("git", (char *const *)full);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[4096];
		ssize_t got = read(fds[0], buf, sizeof(buf));

		if (got <= 0)
			break;
		if (out)
			strbuf_add(out, buf, (size_t)got);
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (out && out->len && out->ptr[out->len - 1] == '\n')
		strbuf_truncate(out, out->len - 1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define GIT(dir, ...)                                                                              \
	do {                                                                                       \
		const char *git_argv_[] = {__VA_ARGS__, NULL};                                     \
		assert_int_equal(fx_git_run((dir), NULL, git_argv_), 0);                           \
	} while (0)

/* git's stdout as a string the caller frees; the test fails if git does. */
#define GIT_OUT(dir, ...)                                                                          \
	({                                                                                         \
		const char *git_argv_[] = {__VA_ARGS__, NULL};                                     \
		struct strbuf git_out_ = STRBUF_INIT;                                              \
		assert_int_equal(fx_git_run((dir), &git_out_, git_argv_), 0);                      \
		strbuf_puts(&git_out_, "");                                                        \
		strbuf_detach(&git_out_, NULL);                                                    \
	})

#endif

/* pv_late_spawn: the spawned process shares its creator's memory, so it
 * must not run before the creator is gone, and not at all when the
 * creator was killed with its memory possibly half-updated. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libxl/late_spawn.h"

static volatile char stage;
static int result_w;

/* Registered before the spawn, so it runs after pv_late_release, which
 * the spawn registers: the 'k' byte is out, and the creator still writes
 * to memory.  The spawned process must wait for the creator's end. */
static void last_words(void)
{
    usleep(100 * 1000);
    stage = '5';
}

/* reports the creator's last stage */
static int report(void *arg)
{
    char out[2] = { stage, 'r' };

    (void)arg;
    return write(result_w, out, 2) == 2 ? 0 : 1;
}

enum ending { END_EXIT, END_KILLED, END_EXEC };

/* Runs a creator that spawns REPORT and ends as told; returns the bytes
 * REPORT wrote (0, or 2 with OUT filled). */
static int run_creator(enum ending how, char out[2])
{
    int res[2], status, n = 0;
    pid_t pid;

    assert_int_equal(pipe(res), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(res[0]);
        result_w = res[1];
        stage = '1';
        atexit(last_words);
        if (pv_late_spawn(report, NULL) < 0)
            _exit(2);
        stage = '2';
        usleep(200 * 1000);     /* time enough to be caught running early */
        stage = '3';
        if (how == END_KILLED)
            kill(getpid(), SIGKILL);
        if (how == END_EXEC) {
            pv_late_release();
            execl("/bin/true", "true", (char *)NULL);
            _exit(3);
        }
        exit(0);
    }
    close(res[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (how == END_KILLED)
        assert_true(WIFSIGNALED(status));
    else
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (;;) {
        struct pollfd pfd = { .fd = res[0], .events = POLLIN };
        ssize_t r;

        assert_int_equal(poll(&pfd, 1, 5000), 1);   /* EOF comes, too */
        r = read(res[0], out + n, 2 - n);
        if (r <= 0)
            break;
        n += (int)r;
        if (n == 2)
            break;
    }
    close(res[0]);
    return n;
}

static void it_runs_once_the_creator_has_exited(void **state)
{
    char out[2];

    assert_int_equal(run_creator(END_EXIT, out), 2);
    assert_int_equal(out[0], '5');      /* saw the creator's last write */
}

static void it_runs_once_the_creator_has_released_and_exec_d(void **state)
{
    char out[2];

    assert_int_equal(run_creator(END_EXEC, out), 2);
    assert_int_equal(out[0], '3');
}

static void a_killed_creator_s_memory_is_not_trusted(void **state)
{
    char out[2];

    assert_int_equal(run_creator(END_KILLED, out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(it_runs_once_the_creator_has_exited),
        cmocka_unit_test(it_runs_once_the_creator_has_released_and_exec_d),
        cmocka_unit_test(a_killed_creator_s_memory_is_not_trusted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

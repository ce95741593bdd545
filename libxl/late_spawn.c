/* Processes that start when their creator is gone (see late_spawn.h). */
#include "libxl/late_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define LATE_STACK (8u << 20)   /* reserved, not committed: MAP_NORESERVE */
#define LATE_MAX 4

struct late {
    int (*fn)(void *);
    void *arg;
    int gate_r, gate_w;
};

/* this process's write ends, one per spawned process, and what each
 * process was handed (kept reachable: it is theirs, not leaked) */
static int gates[LATE_MAX];
static struct late *handed[LATE_MAX];
static int n_gates;
static int release_at_exit;

void pv_late_release(void)
{
    int i;

    for (i = 0; i < n_gates; i++)
        if (write(gates[i], "k", 1) < 0) {
            /* the spawned process is gone already */
        }
}

static int late_main(void *v)
{
    const struct late *l = v;
    int released = 0;
    ssize_t r;
    char c;

    /* Syscalls only, none of which can fail here and write errno, which
     * lives in memory shared with the creator. */
    close(l->gate_w);
    setsid();
    signal(SIGHUP, SIG_IGN);
    while ((r = read(l->gate_r, &c, 1)) != 0) {
        if (r == 1 && c == 'k')
            released = 1;
        else if (r < 0 && errno != EINTR)
            break;
    }
    close(l->gate_r);
    if (!released)
        _exit(1);
    _exit(l->fn(l->arg));
}

pid_t pv_late_spawn(int (*fn)(void *), void *arg)
{
    struct late *l = NULL;
    char *stack = MAP_FAILED;
    int gate[2] = { -1, -1 }, e;
    pid_t pid = -1;

    if (n_gates == LATE_MAX) {
        errno = EMFILE;
        return -1;
    }
    l = malloc(sizeof(*l));
    if (!l)
        goto out;
    stack = mmap(NULL, LATE_STACK, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                 -1, 0);
    if (stack == MAP_FAILED)
        goto out;
    /* a guard page: an overflow faults instead of writing over the heap */
    if (mprotect(stack, 4096, PROT_NONE) < 0)
        goto out;
    if (pipe2(gate, O_CLOEXEC) < 0)
        goto out;
    if (!release_at_exit) {
        if (atexit(pv_late_release))
            goto out;
        release_at_exit = 1;
    }
    l->fn = fn;
    l->arg = arg;
    l->gate_r = gate[0];
    l->gate_w = gate[1];
    pid = clone(late_main, stack + LATE_STACK, CLONE_VM | SIGCHLD, l);
    if (pid < 0)
        goto out;
    close(gate[0]);
    handed[n_gates] = l;
    gates[n_gates++] = gate[1];
    return pid;     /* l and the stack now belong to the new process */

out:
    e = errno;
    if (gate[0] >= 0) {
        close(gate[0]);
        close(gate[1]);
    }
    if (stack != MAP_FAILED)
        munmap(stack, LATE_STACK);
    free(l);
    errno = e;
    return -1;
}

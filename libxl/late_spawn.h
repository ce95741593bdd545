/* Background work that starts when this process is gone.
 *
 * xl create leaves a monitor behind.  fork() copies the page tables, and
 * under a PV dom0 every page-table page costs Xen a validation, so the
 * fork and the copy-on-write faults after it were ~10 ms of a ~100 ms
 * create.  Instead the monitor is a clone sharing this process's memory
 * (CLONE_VM) that does nothing until this process has exited: then the
 * memory is its alone, as it would have been after a fork.
 *
 * The rule that makes it safe: until then the new process touches no
 * memory but its own stack.  It learns that the creator ended normally
 * from a byte written at exit (or before an exec, by pv_late_release);
 * if the creator was killed instead, its memory may be half-updated, and
 * the new process quits without running FN. */
#ifndef PV_LATE_SPAWN_H
#define PV_LATE_SPAWN_H

#include <sys/types.h>

/* Start FN(ARG) in a new session (SIGHUP ignored), to run once this
 * process has exited or exec'd after pv_late_release.  ARG must outlive
 * this process's own use of it: heap or static memory that this process
 * does not free.  FN's return value is the exit status.  Returns the pid,
 * or -1 with errno. */
pid_t pv_late_spawn(int (*fn)(void *), void *arg);

/* This process is ending normally: let the spawned processes run once it
 * is gone.  Called at exit; call it before an exec. */
void pv_late_release(void);

#endif

/* Loop devices for raw image files, set up in-process (no losetup, no
 * block hotplug script).
 *
 * The device is configured with autoclear, so it disappears when the last
 * opener closes it: we hold it open (struct pv_loop.fd) until blkback has
 * opened it, then drop our hold and the kernel cleans up after blkback lets
 * go -- even if xl is killed half-way.  Failure paths detach explicitly. */
#ifndef PV_LOOPDEV_H
#define PV_LOOPDEV_H

#include <stddef.h>

struct pv_loop {
    int fd;             /* our hold on /dev/loopN, -1 when dropped */
    int nr;             /* N, -1 when none */
    char path[32];      /* "/dev/loopN" */
    unsigned major, minor;
};

#define PV_LOOP_INIT { .fd = -1, .nr = -1 }

/* Attach FILE (read-only if READONLY).  Refuses with -EBUSY when FILE is
 * already on a loop device writable, or is asked writable while attached
 * anywhere (two writers would corrupt it); the message names the device.
 * DOMID is only for log messages. */
int pv_loop_attach(int domid, const char *file, int readonly, struct pv_loop *lo);
/* Drop our hold; with autoclear the device lives while others hold it. */
void pv_loop_release_hold(struct pv_loop *lo);
/* Detach now (or as soon as the last holder closes). */
int pv_loop_detach(struct pv_loop *lo);
/* Detach the device at PATH ("/dev/loopN"); a free device is not an error. */
int pv_loop_detach_path(int domid, const char *path);
/* Detach loop device PATH only if it still serves FILE: with autoclear the
 * number may have been freed and reused by someone else meanwhile.  A
 * device that is free or serves another file is left alone (returns 0). */
int pv_loop_detach_if_backing(int domid, const char *path, const char *file);
/* The loop device FILE is attached to: 0 and PATH filled, -ENOENT if none;
 * *WRITABLE tells whether that attachment is read-write. */
int pv_loop_find(const char *file, char *path, size_t len, int *writable);

#endif

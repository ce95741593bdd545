/* Loop devices, in-process.  See loopdev.h for the holding protocol. */
#include "libxl/loopdev.h"
#include "libxl/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Another process may take the free device between LOOP_CTL_GET_FREE and our
 * configure call; a few retries absorb that race. */
#define LOOP_RACE_RETRIES 8

static int read_sysfs(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t r;

    if (fd < 0)
        return -errno;
    r = read(fd, buf, len - 1);
    close(fd);
    if (r < 0)
        return -errno;
    buf[r] = '\0';
    while (r > 0 && buf[r - 1] == '\n')
        buf[--r] = '\0';
    return 0;
}

int pv_loop_find(const char *file, char *path, size_t len, int *writable)
{
    struct stat want, st;
    DIR *d;
    struct dirent *de;
    char p[300], backing[4096], ro[8];
    int rc = -ENOENT;

    if (stat(file, &want))
        return -errno;
    d = opendir("/sys/block");
    if (!d)
        return -ENOENT;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "loop", 4))
            continue;
        snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", de->d_name);
        if (read_sysfs(p, backing, sizeof(backing)))
            continue;
        /* The kernel appends " (deleted)" for unlinked files; those can't
         * be the file we were given. */
        if (stat(backing, &st) || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
            continue;
        snprintf(p, sizeof(p), "/sys/block/%s/ro", de->d_name);
        if (writable)
            *writable = read_sysfs(p, ro, sizeof(ro)) ? 1 : strcmp(ro, "1") != 0;
        snprintf(path, len, "/dev/%s", de->d_name);
        rc = 0;
        if (!writable || *writable)
            break;  /* a writer is the interesting one */
    }
    closedir(d);
    return rc;
}

static int configure(int loopfd, int filefd, const char *file, int readonly)
{
    struct loop_config cfg;
    struct loop_info64 info;

    memset(&cfg, 0, sizeof(cfg));
    cfg.fd = (unsigned)filefd;
    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (readonly ? LO_FLAGS_READ_ONLY : 0);
    snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", file);
    if (!ioctl(loopfd, LOOP_CONFIGURE, &cfg))
        return 0;
    if (errno != EINVAL && errno != ENOTTY)
        return -errno;
    /* Before Linux 5.8: two steps; read-only follows the file's open mode. */
    if (ioctl(loopfd, LOOP_SET_FD, filefd))
        return -errno;
    memset(&info, 0, sizeof(info));
    info.lo_flags = LO_FLAGS_AUTOCLEAR;
    snprintf((char *)info.lo_file_name, LO_NAME_SIZE, "%s", file);
    if (ioctl(loopfd, LOOP_SET_STATUS64, &info)) {
        int e = errno;
        ioctl(loopfd, LOOP_CLR_FD, 0);
        return -e;
    }
    return 0;
}

int pv_loop_attach(int domid, const char *file, int readonly, struct pv_loop *lo)
{
    char other[32];
    struct stat st;
    int ctl = -1, filefd = -1, loopfd = -1, writable = 0, tries, nr, rc;

    lo->fd = -1;
    lo->nr = -1;
    lo->path[0] = '\0';

    filefd = open(file, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (filefd < 0) {
        rc = -errno;
        PV_ERR(domid, "disk image %s: %s", file, strerror(errno));
        goto out;
    }
    if (fstat(filefd, &st) || !S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        PV_ERR(domid, "disk image %s is not a regular file", file);
        goto out;
    }
    if (!pv_loop_find(file, other, sizeof(other), &writable) &&
        (writable || !readonly)) {
        rc = -EBUSY;
        PV_ERR(domid, "disk image %s is already in use through %s (%s); "
               "refusing to attach it %s", file, other,
               writable ? "writable" : "read-only",
               readonly ? "read-only" : "writable");
        goto out;
    }
    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        rc = -errno;
        PV_ERR(domid, "cannot open /dev/loop-control for %s: %s (is the loop "
               "module loaded?)", file, strerror(errno));
        goto out;
    }
    for (tries = 0; ; tries++) {
        nr = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (nr < 0) {
            rc = -errno;
            PV_ERR(domid, "no free loop device for %s: %s", file, strerror(errno));
            goto out;
        }
        snprintf(lo->path, sizeof(lo->path), "/dev/loop%d", nr);
        loopfd = open(lo->path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (loopfd < 0) {
            rc = -errno;
            PV_ERR(domid, "cannot open %s for %s: %s", lo->path, file, strerror(errno));
            goto out;
        }
        rc = configure(loopfd, filefd, file, readonly);
        if (!rc)
            break;
        close(loopfd);
        loopfd = -1;
        if (rc != -EBUSY || tries >= LOOP_RACE_RETRIES) {
            PV_ERR(domid, "cannot attach %s to %s: %s", file, lo->path, strerror(-rc));
            goto out;
        }
    }
    if (fstat(loopfd, &st)) {
        rc = -errno;
        ioctl(loopfd, LOOP_CLR_FD, 0);
        goto out;
    }
    lo->fd = loopfd;
    lo->nr = nr;
    lo->major = major(st.st_rdev);
    lo->minor = minor(st.st_rdev);
    loopfd = -1;
    PV_DEBUG(domid, "%s attached to %s%s", file, lo->path, readonly ? " (ro)" : "");
    rc = 0;
out:
    if (rc)
        lo->path[0] = '\0';
    if (loopfd >= 0)
        close(loopfd);
    if (ctl >= 0)
        close(ctl);
    if (filefd >= 0)
        close(filefd);
    return rc;
}

void pv_loop_release_hold(struct pv_loop *lo)
{
    if (lo->fd >= 0)
        close(lo->fd);
    lo->fd = -1;
}

int pv_loop_detach(struct pv_loop *lo)
{
    int rc = 0;

    if (lo->fd >= 0) {
        /* While others still hold it the kernel defers this to their last
         * close (it just sets autoclear). */
        if (ioctl(lo->fd, LOOP_CLR_FD, 0) && errno != ENXIO)
            rc = -errno;
        close(lo->fd);
        lo->fd = -1;
    } else if (lo->nr >= 0) {
        rc = pv_loop_detach_path(-1, lo->path);
    }
    lo->nr = -1;
    return rc;
}

int pv_loop_detach_path(int domid, const char *path)
{
    int fd, rc = 0;

    if (strncmp(path, "/dev/loop", 9))
        return -EINVAL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENXIO ? 0 : -errno;
    if (ioctl(fd, LOOP_CLR_FD, 0) && errno != ENXIO) {
        rc = -errno;
        PV_WARN(domid, "cannot release %s: %s", path, strerror(errno));
    }
    close(fd);
    return rc;
}

int pv_loop_detach_if_backing(int domid, const char *path, const char *file)
{
    struct stat want, st;
    char sys[96], backing[4096];
    const char *name;

    if (strncmp(path, "/dev/loop", 9) || !file)
        return -EINVAL;
    name = path + 5;
    snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", name);
    if (read_sysfs(sys, backing, sizeof(backing)))
        return 0;   /* free already (autoclear did its job) */
    if (stat(file, &want) || stat(backing, &st) ||
        st.st_dev != want.st_dev || st.st_ino != want.st_ino) {
        PV_DEBUG(domid, "%s now serves %s, not %s: left alone", path, backing, file);
        return 0;
    }
    return pv_loop_detach_path(domid, path);
}

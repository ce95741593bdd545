/* In-process loop devices: content visible through the device, read-only and
 * autoclear really set, two writers refused, nothing left after detach or a
 * dropped hold.  Skips when the host has no loop support. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl/loopdev.h"

static char image[64];

static int make_image(void **state)
{
    unsigned char buf[4096];
    int fd, i;

    snprintf(image, sizeof(image), "/tmp/pvstack-loop-XXXXXX");
    fd = mkstemp(image);
    if (fd < 0)
        return -1;
    for (i = 0; i < (int)sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    for (i = 0; i < 256; i++)
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            return -1;
    close(fd);
    return 0;
}

static int drop_image(void **state)
{
    unlink(image);
    return 0;
}

static void sysfs_is(const struct pv_loop *lo, const char *leaf, const char *want)
{
    char p[96], buf[32];
    ssize_t r;
    int fd;

    snprintf(p, sizeof(p), "/sys/block/loop%d/%s", lo->nr, leaf);
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    r = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(r > 0);
    buf[r] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    assert_string_equal(buf, want);
}

static void attached_nowhere(void)
{
    char path[32];
    assert_int_equal(pv_loop_find(image, path, sizeof(path), NULL), -ENOENT);
}

static void rw_attach_shows_content_and_detaches(void **state)
{
    struct pv_loop lo = PV_LOOP_INIT;
    unsigned char buf[4096], back[16];
    char path[32];
    int fd, w, i;

    assert_int_equal(pv_loop_attach(1, image, 0, &lo), 0);
    assert_true(lo.fd >= 0);
    assert_int_equal(lo.major, 7);
    sysfs_is(&lo, "loop/autoclear", "1");
    sysfs_is(&lo, "ro", "0");
    assert_int_equal(pv_loop_find(image, path, sizeof(path), &w), 0);
    assert_string_equal(path, lo.path);
    assert_int_equal(w, 1);

    fd = open(lo.path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, sizeof(buf), 4096 * 9), sizeof(buf));
    for (i = 0; i < (int)sizeof(buf); i++)
        assert_int_equal(buf[i], (unsigned char)(i * 7 + 3));
    /* A write through the device lands in the file. */
    assert_int_equal(pwrite(fd, "pvstack-was-here", 16, 512), 16);
    assert_int_equal(fsync(fd), 0);
    close(fd);
    fd = open(image, O_RDONLY);
    assert_int_equal(pread(fd, back, 16, 512), 16);
    close(fd);
    assert_memory_equal(back, "pvstack-was-here", 16);

    assert_int_equal(pv_loop_detach(&lo), 0);
    attached_nowhere();
}

static void second_writer_is_refused(void **state)
{
    struct pv_loop a = PV_LOOP_INIT, b = PV_LOOP_INIT;

    assert_int_equal(pv_loop_attach(1, image, 0, &a), 0);
    assert_int_equal(pv_loop_attach(2, image, 0, &b), -EBUSY);
    assert_int_equal(pv_loop_attach(2, image, 1, &b), -EBUSY);
    assert_int_equal(b.fd, -1);
    assert_int_equal(pv_loop_detach(&a), 0);
    attached_nowhere();
}

static void readers_share_but_exclude_writers(void **state)
{
    struct pv_loop a = PV_LOOP_INIT, b = PV_LOOP_INIT, c = PV_LOOP_INIT;
    int fd;

    assert_int_equal(pv_loop_attach(1, image, 1, &a), 0);
    sysfs_is(&a, "ro", "1");
    /* The kernel refuses writes through it too. */
    fd = open(a.path, O_RDWR);
    if (fd >= 0) {
        assert_true(pwrite(fd, "x", 1, 0) < 0);
        close(fd);
    }
    assert_int_equal(pv_loop_attach(2, image, 1, &b), 0);
    assert_int_not_equal(a.nr, b.nr);
    assert_int_equal(pv_loop_attach(3, image, 0, &c), -EBUSY);
    assert_int_equal(pv_loop_detach(&a), 0);
    assert_int_equal(pv_loop_detach(&b), 0);
    attached_nowhere();
}

static void dropping_the_hold_frees_the_device(void **state)
{
    struct pv_loop lo = PV_LOOP_INIT;

    assert_int_equal(pv_loop_attach(1, image, 0, &lo), 0);
    pv_loop_release_hold(&lo);
    attached_nowhere();
    /* Detaching what autoclear already freed is fine. */
    assert_int_equal(pv_loop_detach_path(1, lo.path), 0);
}

static void missing_file_leaves_nothing(void **state)
{
    struct pv_loop lo = PV_LOOP_INIT;

    assert_int_equal(pv_loop_attach(1, "/nonexistent/disk.img", 0, &lo), -ENOENT);
    assert_int_equal(lo.fd, -1);
    assert_string_equal(lo.path, "");
    assert_int_equal(pv_loop_attach(1, "/tmp", 0, &lo), -EISDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rw_attach_shows_content_and_detaches),
        cmocka_unit_test(second_writer_is_refused),
        cmocka_unit_test(readers_share_but_exclude_writers),
        cmocka_unit_test(dropping_the_hold_frees_the_device),
        cmocka_unit_test(missing_file_leaves_nothing),
    };
    int fd = open("/dev/loop-control", O_RDWR);

    if (fd < 0) {
        printf("SKIPPED loop device tests: /dev/loop-control: %s\n", strerror(errno));
        return 0;
    }
    close(fd);
    return cmocka_run_group_tests_name("loopdev", tests, make_image, drop_image);
}

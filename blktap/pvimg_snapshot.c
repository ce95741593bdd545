/* pvimg snapshot: internal qcow2 snapshots (-l list, -c create, -a apply,
 * -d delete), qemu-img's messages and exit codes. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

void pvimg_snapshot_table(struct image *img);

enum { SN_LIST = 1, SN_CREATE, SN_APPLY, SN_DELETE };

int pvimg_snapshot(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int action = 0, c;
    const char *name = NULL;
    bool quiet = false;
    while ((c = pvimg_getopt(argc, argv, ":la:c:d:hqU", lo)) != -1) {
        int a = 0;
        switch (c) {
        case 'l': a = SN_LIST; break;
        case 'c': a = SN_CREATE; name = optarg; break;
        case 'a': a = SN_APPLY; name = optarg; break;
        case 'd': a = SN_DELETE; name = optarg; break;
        case 'q': quiet = true; continue;
        case 'U': continue;
        case 'h':
            printf("usage: pvimg snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename\n");
            return 0;
        default: return 1;
        }
        if (action)
            return pvimg_usage_err("Cannot mix '-l', '-a', '-c', '-d'");
        action = a;
    }
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");
    /* qemu-img opens the image and does nothing without an action */
    const char *file = argv[optind];
    struct image *img;
    unsigned flags = IMAGE_O_NO_BACKING | (action == SN_LIST ? 0 : IMAGE_O_RDWR);
    if (pvimg_open(file, NULL, flags, &img) < 0)
        return 1;
    int rc = 0, r = 0;
    switch (action) {
    case 0:
        break;
    case SN_LIST:
        if (image__format(img) == IMAGE_FMT_QCOW2)
            pvimg_snapshot_table(img);
        break;
    case SN_CREATE:
        r = image__snapshot_create(img, name);
        if (r < 0) {
            pvimg_err("Could not create snapshot '%s': %d (%s)", name, r, strerror(-r));
            rc = 1;
        }
        break;
    case SN_APPLY:
        r = image__snapshot_apply(img, name);
        if (r < 0) {
            if (r == -ENOENT)
                pvimg_err("Could not apply snapshot '%s': Failed to load snapshot: %s",
                          name, strerror(-r));
            else
                pvimg_err("Could not apply snapshot '%s': %s", name, image__errmsg());
            rc = 1;
        }
        break;
    case SN_DELETE:
        r = image__snapshot_delete(img, name);
        if (r < 0) {
            pvimg_err("Could not delete snapshot '%s': %s", name,
                      r == -ENOENT ? "snapshot not found" : image__errmsg());
            rc = 1;
        }
        break;
    }
    (void)quiet;
    if (image__close(img) < 0 && rc == 0) {
        pvimg_err("%s", image__errmsg());
        rc = 1;
    }
    return rc;
}

/* Disk specifications, xl-disk-configuration(5): "target,format,vdev,access"
 * positionally, key=value, deprecated prefixes (phy: file: tap: qcow2: ...),
 * target= swallowing the rest.  Same results as Xen 4.17's xlu_disk_parse. */
#ifndef PV_DISK_SPEC_H
#define PV_DISK_SPEC_H

#include <stdio.h>

#include "libxl/domcfg.h"

/* Parse one spec string (an item of the cfg file's disk=[...] list) into
 * DISK, which is initialised here.  Errors go to DIAG (may be NULL) as
 * "SOURCE: config parsing error in disk specification: MSG: near `X' in
 * `SPEC'"; SOURCE names where the spec came from ("guest.cfg:12",
 * "command line").  Returns 0, or -1 with DISK disposed. */
int pv_disk_spec_parse(const char *source, const char *spec,
                       struct pv_device_disk *disk, FILE *diag);

/* The same for a spec given as several words (xl block-attach DOM w1 w2..),
 * which are scanned in turn into one disk. */
int pv_disk_spec_parse_words(const char *source, int nspecs,
                             const char *const *specs,
                             struct pv_device_disk *disk, FILE *diag);

#endif

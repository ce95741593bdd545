/* Handles on the hypervisor (libxenctrl) and xenstore (libxenstore) that a
 * command or library operation works through.
 *
 * A pv_ctx is opened once per command and passed down; it owns nothing
 * else.  Either handle may be left closed when an operation does not need it
 * (pv_ctx_open's flags), so a command that only reads xenstore does not need
 * /dev/xen/privcmd and vice versa.  Never libxenlight. */
#ifndef PV_CTX_H
#define PV_CTX_H

#include <xenctrl.h>
#include <xenstore.h>

/* Our error codes (rc), kept numerically equal to libxl's ERROR_* so that
 * messages quoting "rc=N" read the same as xl's. */
#ifndef PV_ERROR_FAIL
#define PV_ERROR_FAIL             (-3)
#define PV_ERROR_NOMEM            (-5)
#define PV_ERROR_INVAL            (-6)
#define PV_ERROR_DOMAIN_NOTFOUND  (-21)
#endif

enum {
    PV_CTX_XC = 1 << 0,  /* open libxenctrl (needs privcmd: dom0, root) */
    PV_CTX_XS = 1 << 1,  /* open xenstore */
};

struct pv_ctx {
    xc_interface *xch;       /* NULL unless opened with PV_CTX_XC */
    struct xs_handle *xsh;   /* NULL unless opened with PV_CTX_XS */
};

/* Opens the handles named in FLAGS.  On failure logs why (naming the device
 * or socket that could not be opened), leaves *CTX closed and returns
 * PV_ERROR_FAIL. */
int pv_ctx_open(struct pv_ctx *ctx, unsigned flags);
/* Closes whatever is open; safe on a zeroed or already closed ctx. */
void pv_ctx_close(struct pv_ctx *ctx);

#endif

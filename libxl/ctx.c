#include "libxl/ctx.h"
#include "libxl/log.h"

#include <errno.h>
#include <string.h>

int pv_ctx_open(struct pv_ctx *ctx, unsigned flags)
{
    ctx->xch = NULL;
    ctx->xsh = NULL;

    if (flags & PV_CTX_XC) {
        /* xc logs to stderr itself when given no logger; we report once. */
        ctx->xch = xc_interface_open(NULL, NULL, 0);
        if (!ctx->xch) {
            PV_ERR(-1, "cannot open the hypervisor interface (/dev/xen/privcmd): %s;"
                   " is this a Xen dom0 and are you root?", strerror(errno));
            goto fail;
        }
    }
    if (flags & PV_CTX_XS) {
        ctx->xsh = xs_open(0);
        if (!ctx->xsh) {
            PV_ERR(-1, "cannot connect to xenstore: %s; is xenstored running?",
                   strerror(errno));
            goto fail;
        }
    }
    return 0;

fail:
    pv_ctx_close(ctx);
    return PV_ERROR_FAIL;
}

void pv_ctx_close(struct pv_ctx *ctx)
{
    if (ctx->xsh) {
        xs_close(ctx->xsh);
        ctx->xsh = NULL;
    }
    if (ctx->xch) {
        xc_interface_close(ctx->xch);
        ctx->xch = NULL;
    }
}

#include "libxl/log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum pv_log_level log_level = PV_LOG_WARN;
static int log_fd = 2;
static const char *log_prog = "pvstack";

void pv_log_set_level(enum pv_log_level lvl) { log_level = lvl; }
enum pv_log_level pv_log_get_level(void) { return log_level; }
void pv_log_set_fd(int fd) { log_fd = fd; }
void pv_log_set_prog(const char *prog) { log_prog = prog; }

static const char *level_name(enum pv_log_level lvl)
{
    switch (lvl) {
    case PV_LOG_DEBUG: return "debug";
    case PV_LOG_INFO:  return "info";
    case PV_LOG_WARN:  return "warning";
    case PV_LOG_ERROR: return "error";
    }
    return "?";
}

void pv_vlog(enum pv_log_level lvl, int domid, const char *fmt, va_list ap)
{
    char buf[2048];
    int n;

    if (lvl < log_level)
        return;
    if (domid >= 0)
        n = snprintf(buf, sizeof(buf), "%s: %s: domain %d: ", log_prog,
                     level_name(lvl), domid);
    else
        n = snprintf(buf, sizeof(buf), "%s: %s: ", log_prog, level_name(lvl));
    if (n < 0 || (size_t)n >= sizeof(buf))
        return;
    vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    n = strlen(buf);
    if (n > 0 && buf[n - 1] != '\n' && (size_t)n + 1 < sizeof(buf)) {
        buf[n++] = '\n';
        buf[n] = '\0';
    }
    /* One write per line so concurrent writers (monitor + xl) don't interleave
     * inside a line. */
    if (write(log_fd, buf, n) < 0) {
        /* nowhere left to report it */
    }
}

void pv_log(enum pv_log_level lvl, int domid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pv_vlog(lvl, domid, fmt, ap);
    va_end(ap);
}

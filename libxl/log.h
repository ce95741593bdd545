/* Levelled logging shared by the library and the CLIs.
 *
 * The library never prints on its own authority: everything goes through
 * pv_log so the CLI decides verbosity (xl -v) and where it lands (the
 * per-domain log file of the monitor).  domid < 0 means "no domain". */
#ifndef PV_LOG_H
#define PV_LOG_H

#include <stdarg.h>

enum pv_log_level {
    PV_LOG_DEBUG = 0,
    PV_LOG_INFO,
    PV_LOG_WARN,
    PV_LOG_ERROR,
};

/* Messages below this level are dropped.  Default PV_LOG_WARN. */
void pv_log_set_level(enum pv_log_level lvl);
enum pv_log_level pv_log_get_level(void);
/* Route output to FD instead of stderr (e.g. the monitor's log file). */
void pv_log_set_fd(int fd);
/* Prefix printed before each line, e.g. "xl" or "pvimg". */
void pv_log_set_prog(const char *prog);

void pv_log(enum pv_log_level lvl, int domid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pv_vlog(enum pv_log_level lvl, int domid, const char *fmt, va_list ap);

#define PV_DEBUG(domid, ...) pv_log(PV_LOG_DEBUG, (domid), __VA_ARGS__)
#define PV_INFO(domid, ...)  pv_log(PV_LOG_INFO, (domid), __VA_ARGS__)
#define PV_WARN(domid, ...)  pv_log(PV_LOG_WARN, (domid), __VA_ARGS__)
#define PV_ERR(domid, ...)   pv_log(PV_LOG_ERROR, (domid), __VA_ARGS__)

#endif

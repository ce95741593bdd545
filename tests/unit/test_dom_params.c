/* pv_dom_params_copy gives the monitor its own copy of a domain's params.
 * When a strdup fails partway the half-made copy is disposed: that must
 * free only what the copy owns, never the source's strings (which the
 * copy starts out sharing by struct assignment). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/dom.h"

static int strdup_calls, strdup_fail_at;
static void *freed[64];
static int n_freed;

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
    if (++strdup_calls == strdup_fail_at)
        return NULL;
    return __real_strdup(s);
}

void __real_free(void *p);
void __wrap_free(void *p)
{
    if (p && n_freed < 64)
        freed[n_freed++] = p;
    __real_free(p);
}

static int was_freed(const void *p)
{
    int i;

    for (i = 0; i < n_freed; i++)
        if (freed[i] == p)
            return 1;
    return 0;
}

static void a_failed_copy_frees_nothing_of_the_source(void **state)
{
    char name[] = "g", kernel[] = "/k", ramdisk[] = "/r", cmdline[] = "c",
         json[] = "{}", pool[] = "p1";
    struct pv_dom_params src, dst;
    int at;

    pv_dom_params_init(&src);
    src.name = name;
    src.kernel = kernel;
    src.ramdisk = ramdisk;
    src.cmdline = cmdline;
    src.json = json;
    src.pool_name = pool;
    /* fail each of the six strdups in turn */
    for (at = 1; at <= 6; at++) {
        strdup_calls = 0;
        strdup_fail_at = at;
        n_freed = 0;
        assert_int_equal(pv_dom_params_copy(&dst, &src), -1);
        assert_false(was_freed(name) || was_freed(kernel) ||
                     was_freed(ramdisk) || was_freed(cmdline) ||
                     was_freed(json) || was_freed(pool));
        assert_null(dst.name);
        assert_null(dst.pool_name);
    }
    strdup_fail_at = 0;
    assert_int_equal(pv_dom_params_copy(&dst, &src), 0);
    assert_string_equal(dst.pool_name, "p1");
    assert_ptr_not_equal(dst.kernel, kernel);
    pv_dom_params_dispose(&dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failed_copy_frees_nothing_of_the_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* See suggest.h.  Words here are short (config keys, option names), so the
 * quadratic dynamic programme is fine; longer inputs are refused rather than
 * allowed to cost time or stack. */
#include "libxl/suggest.h"

#include <stdlib.h>
#include <string.h>

#define SUGGEST_MAX_LEN 64

static int fold(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 'a';
    if (c == '-')
        return '_';
    return c;
}

size_t pv_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* Three rows: two back is needed for transpositions. */
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return la > lb ? la : lb;   /* too long to compare: "far" */

    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int same = fold(a[i - 1]) == fold(b[j - 1]);
            size_t best = prev[j - 1] + !same;          /* substitute */
            if (prev[j] + 1 < best)
                best = prev[j] + 1;                     /* delete */
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;                  /* insert */
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                fold(a[i - 2]) == fold(b[j - 1]) && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;                /* transpose */
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

size_t pv_suggest_max_distance(size_t len)
{
    /* One edit for short words, then one more per three characters:
     * "vcpu"->"vcpus" (1), "maxcpus"->"maxvcpus" (1), "on_crahs" (1),
     * "memroy_max"... but never "cap"->"vif". */
    if (len <= 2)
        return 0;
    if (len <= 5)
        return 1;
    return (len + 1) / 3;
}

/* Length of the common prefix (folded): the tie-breaker, since typos tend
 * to be late in a word ("maxmemory" is "maxmem" more than "memory"). */
static size_t common_prefix(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && b[i] && fold(a[i]) == fold(b[i]))
        i++;
    return i;
}

const char *pv_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, best_p = 0, limit;

    if (!word || !cands)
        return NULL;
    limit = pv_suggest_max_distance(strlen(word));
    for (size_t i = 0; i < n && (n != (size_t)-1 || cands[i]); i++) {
        if (!cands[i])
            continue;
        size_t d = pv_edit_distance(word, cands[i]);
        /* The candidate must also not be tiny next to the distance, or
         * "xyz" would suggest any three-letter key. */
        if (d > limit || d >= strlen(cands[i]))
            continue;
        size_t p = common_prefix(word, cands[i]);
        if (d < best_d || (d == best_d && p > best_p)) {
            best = cands[i];
            best_d = d;
            best_p = p;
        }
    }
    return best;
}

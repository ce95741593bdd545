/* "Did you mean ...?": pick the known word closest to a misspelt one.
 *
 * Used wherever a user types a name we do not know (config keys, option
 * values, command names) so the error can name what they probably meant:
 * xl silently ignores `vcpu = 2`; we say "did you mean `vcpus`?".
 *
 * Distance is optimal-string-alignment (Levenshtein plus adjacent
 * transposition), compared case-insensitively and with '-' equal to '_', so
 * `Memory`, `on-crash` and `mmeory` all find their key.  A suggestion is
 * only made when it is close relative to the word's length; a wild guess is
 * worse than none. */
#ifndef PV_SUGGEST_H
#define PV_SUGGEST_H

#include <stddef.h>

/* Edit distance between A and B under the rules above. */
size_t pv_edit_distance(const char *a, const char *b);

/* The candidate closest to WORD, or NULL when none is close enough.
 * CANDS has N entries (NULL entries are skipped); N may be (size_t)-1 for a
 * NULL-terminated array.  Ties go to the longer common prefix, then to
 * the earlier candidate. */
const char *pv_suggest(const char *word, const char *const *cands, size_t n);

/* The largest distance pv_suggest accepts for a word of LEN bytes. */
size_t pv_suggest_max_distance(size_t len);

#endif

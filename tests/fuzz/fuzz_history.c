/* libFuzzer harness for the audit-entry format (include/resv_history.h). Any bytes may
 * sit in a list element (an operator can RPUSH anything), so the decoder must take them
 * all; and what it calls well-formed must encode back to the very same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resv_history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size copy, so that reading one byte too far is an ASan report. */
    char *s = malloc(size ? size : 1);
    resvHistoryEntry e;
    if (s == NULL) return 0;
    memcpy(s, data, size);
    int wellFormed = resvHistoryDecode(s, size, &e) == 0;
    for (int i = 0; i < RESV_H_COUNT; i++) {
        if (e.len[i] && (e.v[i] < s || e.v[i] + e.len[i] > s + size)) abort();
        if (i != RESV_H_PAYLOAD && e.len[i] && memchr(e.v[i], '\0', e.len[i])) abort();
    }
    if (wellFormed) {
        size_t n = resvHistoryEncodedLen(&e);
        char *back = malloc(n ? n : 1);
        if (back == NULL) abort();
        if (n != size || resvHistoryEncode(&e, back) != 0 || memcmp(back, s, n) != 0) abort();
        free(back);
    }
    free(s);
    return 0;
}

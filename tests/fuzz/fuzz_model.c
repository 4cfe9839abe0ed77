/* libFuzzer harness for include/resv_model.c: resvFieldCheck for every field spec of
 * both tables, resvUtf8Valid, resvIdValid, and the parsers of names. The first byte
 * picks the spec, the rest is the value. Properties: the canonical form of an accepted
 * value is itself accepted and canonical (a stored value re-validates unchanged), fits
 * the spec's maxlen in characters, and ids are always valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resv_model.h"

static void fuzzCheck(const resvFieldSpec *spec, const char *v, size_t len) {
    char buf[RESV_CANON_MAX], buf2[RESV_CANON_MAX];
    const char *canon, *canon2, *why = NULL;
    size_t canonlen, canonlen2;
    if (resvFieldCheck(spec, v, len, buf, &canon, &canonlen, &why) != 0) {
        if (why == NULL) abort();
        return;
    }
    if (resvUtf8Length(canon, canonlen) > spec->maxlen) abort(); /* characters */
    /* copy: canon may point into buf, which the second call overwrites */
    char *c = malloc(canonlen ? canonlen : 1);
    if (c == NULL) return;
    memcpy(c, canon, canonlen);
    if (resvFieldCheck(spec, c, canonlen, buf2, &canon2, &canonlen2, &why) != 0) abort();
    if (canonlen2 != canonlen || memcmp(canon2, c, canonlen) != 0) abort();
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    unsigned pick = data[0] % (RESV_F_COUNT + RESV_SF_COUNT);
    const resvFieldSpec *spec =
        pick < RESV_F_COUNT ? &resvFields[pick] : &resvSystemFields[pick - RESV_F_COUNT];
    size_t len = size - 1;
    char *v = malloc(len ? len : 1);
    if (v == NULL) return 0;
    memcpy(v, data + 1, len);

    fuzzCheck(spec, v, len);
    int utf8 = resvUtf8Valid(v, len);
    if (resvIdValid(v, len) &&
        (!utf8 || len == 0 || resvUtf8Length(v, len) > RESV_ID_MAX || memchr(v, 0, len)))
        abort();
    (void)resvFieldLookup(resvFields, RESV_F_COUNT, v, len);
    resvStatus st;
    if (resvStatusParse(v, len, &st) == 0) {
        for (int to = 0; to < RESV_S_COUNT; to++) {
            (void)resvStatusMove(st, (resvStatus)to, 0);
            (void)resvStatusMove(st, (resvStatus)to, 1);
        }
    }
    resvOrigin o;
    (void)resvOriginParse(v, len, &o);
    free(v);
    return 0;
}

/* The rules of finding a guest (resv_find.h). */
#include "resv_find.h"

#include <string.h>

const resvField resvFindFields[RESV_FIND_COUNT] = {
    [RESV_FIND_NUMBER] = RESV_F_RESERVATION_NUMBER,
    [RESV_FIND_EXTERNAL] = RESV_F_EXTERNAL_RESERVATION_ID,
    [RESV_FIND_PHONE] = RESV_F_CUSTOMER_PHONE,
};

size_t resvFindDigits(const char *s, size_t len, char *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') continue;
        if (n == cap) return cap + 1;
        out[n++] = s[i];
    }
    return n;
}

size_t resvFindField(resvFindRef ref, const char *v, size_t len, char *out) {
    static const char prefix[RESV_FIND_COUNT] = {'n', 'x', 'p'};
    out[0] = prefix[ref];
    out[1] = ':';
    if (ref == RESV_FIND_PHONE) {
        char d[RESV_FIND_VALUE_MAX];
        size_t nd = resvFindDigits(v, len, d, sizeof d);
        if (nd < RESV_FIND_PHONE_KEY || nd > sizeof d) return 0;
        memcpy(out + 2, d + nd - RESV_FIND_PHONE_KEY, RESV_FIND_PHONE_KEY);
        return 2 + RESV_FIND_PHONE_KEY;
    }
    if (len == 0 || len > RESV_FIND_VALUE_MAX) return 0;
    memcpy(out + 2, v, len);
    return 2 + len;
}

int resvFindQueryCheck(const char *q, size_t len, const char **out, size_t *outLen) {
    while (len && q[0] == ' ')
        q++, len--;
    while (len && q[len - 1] == ' ')
        len--;
    int ok = len > 0 && len <= RESV_FIND_VALUE_MAX && resvUtf8Valid(q, len) &&
             resvUtf8Length(q, len) <= RESV_FIND_VALUE_CHARS;
    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char)q[i] >= 0x20 && q[i] != 0x7F;
    if (!ok) return -1;
    *out = q;
    *outLen = len;
    return 0;
}

int resvFindIsPhoneQuery(const char *q, size_t len) {
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (q[i] >= '0' && q[i] <= '9')
            digits++;
        else if (!strchr(" +-()", q[i]) || q[i] == '\0')
            return 0;
    }
    return digits >= RESV_FIND_PHONE_KEY;
}

int resvFindPhoneMatches(const char *phone, size_t len, const char *digits, size_t nd) {
    char d[64];
    size_t n = resvFindDigits(phone, len, d, sizeof d);
    return n <= sizeof d && n >= nd && memcmp(d + n - nd, digits, nd) == 0;
}

void resvFindFold(const char *s, size_t len, char *out) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c + 32);
        } else if (c == 0xC3 && i + 1 < len) {
            /* U+00C0-U+00DE (UTF-8 C3 80-9E, but U+00D7 C3 97) -> U+00E0-U+00FE */
            unsigned char n = (unsigned char)s[i + 1];
            out[i++] = (char)c;
            c = n >= 0x80 && n <= 0x9E && n != 0x97 ? (unsigned char)(n + 0x20) : n;
        }
        out[i] = (char)c;
    }
}

int resvFindNameMatches(const char *name, size_t nl, const char *q, size_t ql) {
    char fn[RESV_FIND_NAME_MAX], fq[RESV_FIND_NAME_MAX];
    if (ql == 0 || ql > nl || nl > sizeof fn) return 0;
    resvFindFold(name, nl, fn);
    resvFindFold(q, ql, fq);
    return memmem(fn, nl, fq, ql) != NULL;
}

int resvFindListNext(const char *list, size_t len, size_t *pos, const char **id, size_t *idlen) {
    size_t p = *pos;
    while (p < len && list[p] == ' ')
        p++;
    if (p >= len) return 0;
    const char *sp = memchr(list + p, ' ', len - p);
    size_t end = sp ? (size_t)(sp - list) : len;
    *id = list + p;
    *idlen = end - p;
    *pos = end;
    return 1;
}

/* Order of ids in a list: bytes, then length (as Redis orders members). */
static int findIdCmp(const char *a, size_t al, const char *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Appends id to out at *n, with a separating space when out is not empty. */
static void findListPut(char *out, size_t *n, const char *id, size_t idlen) {
    if (*n) out[(*n)++] = ' ';
    memcpy(out + *n, id, idlen);
    *n += idlen;
}

size_t resvFindListAdd(const char *list, size_t len, const char *id, size_t idlen, char *out) {
    size_t pos = 0, n = 0, el;
    const char *e;
    int placed = 0;
    while (resvFindListNext(list, len, &pos, &e, &el)) {
        int c = findIdCmp(e, el, id, idlen);
        if (!placed && c >= 0) {
            if (c > 0) findListPut(out, &n, id, idlen);
            placed = 1;
        }
        findListPut(out, &n, e, el);
    }
    if (!placed) findListPut(out, &n, id, idlen);
    return n;
}

size_t resvFindListRemove(const char *list, size_t len, const char *id, size_t idlen, char *out) {
    size_t pos = 0, n = 0, el;
    const char *e;
    while (resvFindListNext(list, len, &pos, &e, &el))
        if (findIdCmp(e, el, id, idlen) != 0) findListPut(out, &n, e, el);
    return n;
}

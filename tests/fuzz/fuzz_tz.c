/* libFuzzer harness for the TZif reader of include/resv_tz.h. An input is a zone file,
 * or, after a leading 'P', the POSIX TZ string of a footer wrapped in a file without
 * transitions (so that the rule parser is reached without a valid file around it).
 * Besides crashes it checks properties of every zone that loads: offsets stay within
 * bounds, a wall clock time read as unique or repeated shows that same wall clock, and
 * a wall clock some instant shows is never called skipped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resv_tz.h"

static size_t fuzzRuleOnly(const uint8_t *rule, size_t len, uint8_t *out) {
    size_t n = 0;
    for (int part = 0; part < 2; part++) {
        memset(out + n, 0, 44);
        memcpy(out + n, "TZif2", 5);
        out[n + 39] = 1; /* typecnt */
        out[n + 43] = 4; /* charcnt */
        n += 44;
        memset(out + n, 0, 6);
        memcpy(out + n + 6, "XXX", 4);
        n += 10;
    }
    out[n++] = '\n';
    memcpy(out + n, rule, len);
    n += len;
    out[n++] = '\n';
    return n;
}

static void fuzzCheckInstant(const resvTz *tz, int64_t t) {
    resvInstant wall;
    int32_t off;
    int64_t utc = 0;
    if (resvTzToLocal(tz, t, &wall, &off) != 0) {
        if (t <= RESV_TZ_INSTANT_MAX && t >= -RESV_TZ_INSTANT_MAX) abort();
        return;
    }
    if (off > RESV_TZ_OFFSET_MAX || off < -RESV_TZ_OFFSET_MAX || wall != t + off) abort();
    resvTzWall kind = resvTzToUtc(tz, wall, &utc);
    if (kind == RESV_TZ_WALL_RANGE) return;
    if (kind == RESV_TZ_WALL_SKIPPED) abort(); /* t itself shows this wall clock */
    if (kind == RESV_TZ_WALL_UNIQUE && utc != t) abort();
    if (kind == RESV_TZ_WALL_REPEATED && utc > t) abort();
    resvInstant back;
    if (resvTzToLocal(tz, utc, &back, NULL) != 0 || back != wall) abort();

    /* the instant as a wall clock time: whatever the answer, it is near */
    kind = resvTzToUtc(tz, t, &utc);
    if (kind == RESV_TZ_WALL_RANGE) return;
    if (utc > t + RESV_TZ_OFFSET_MAX + 1 || utc < t - RESV_TZ_OFFSET_MAX - 1) abort();
    if (kind != RESV_TZ_WALL_SKIPPED && (resvTzToLocal(tz, utc, &back, NULL) != 0 || back != t))
        abort();
}

/* Eight bytes big-endian, as TZif stores times, brought within the conversions' range. */
static int64_t fuzzInstant(const uint8_t *p) {
    uint64_t u = 0;
    for (int k = 0; k < 8; k++)
        u = u << 8 | p[k];
    int64_t t = (int64_t)u;
    return t > RESV_TZ_INSTANT_MAX || t < -RESV_TZ_INSTANT_MAX ? t % RESV_TZ_INSTANT_MAX : t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *why = NULL;
    uint8_t *buf;
    size_t len = size;
    if (size > RESV_TZ_FILE_MAX) return 0;

    /* an exact-size copy, so that reading one byte too far is an ASan report */
    if (size > 0 && data[0] == 'P') {
        buf = malloc(size + 2 * 54 + 2);
        if (buf == NULL) return 0;
        len = fuzzRuleOnly(data + 1, size - 1, buf);
    } else {
        buf = malloc(size ? size : 1);
        if (buf == NULL) return 0;
        memcpy(buf, data, size);
    }
    if (resvTzNameValid((const char *)buf, len)) {
        if (buf[0] == '/' || memmem(buf, len, "..", 2) || memmem(buf, len, "//", 2)) abort();
    }

    resvTz *tz = resvTzParse(buf, len, &why);
    if (tz == NULL) {
        if (why == NULL) abort();
        free(buf);
        return 0;
    }
    /* the changes of 2026 and 2100 in Los Angeles, 1900, 9999, the limits */
    static const int64_t fixed[] = {
        0,          -1,          1772964000,   1793523600,          4108701600,
        4129261200, -2208988800, 253402300799, RESV_TZ_INSTANT_MAX, -RESV_TZ_INSTANT_MAX};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        fuzzCheckInstant(tz, fixed[i]);
    /* and instants read from the input, the file's own transitions among them */
    for (size_t i = 0; i + 8 <= len && i < 1024; i += 4) {
        int64_t t = fuzzInstant(buf + i);
        fuzzCheckInstant(tz, t);
        fuzzCheckInstant(tz, t - 1);
    }
    resvTzFree(tz);
    free(buf);
    return 0;
}

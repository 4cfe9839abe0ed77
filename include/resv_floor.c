/* The floor's pure arithmetic and encodings (resv_floor.h). */
#include "resv_floor.h"

#include <stdio.h>
#include <string.h>

/* A decimal in [lo, hi] spanning exactly s[0..len). */
static int floorParseLong(const char *s, size_t len, long long lo, long long hi, long long *out) {
    long long v = 0;
    int neg = len && s[0] == '-';
    size_t i = neg;
    if (len == i || len - i > 18) return -1;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    v = neg ? -v : v;
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

size_t resvTableSpecEncode(const resvTableSpec *t, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "%ld|%.*s|%.*s", t->seats, (int)t->joinsLen, t->joins,
                     (int)t->areaLen, t->area);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int resvTableSpecDecode(const char *s, size_t len, resvTableSpec *out) {
    const char *a = memchr(s, '|', len);
    if (!a) return -1;
    const char *b = memchr(a + 1, '|', len - (size_t)(a + 1 - s));
    long long seats;
    if (!b || floorParseLong(s, (size_t)(a - s), 1, RESV_FLOOR_SEATS_MAX, &seats)) return -1;
    out->seats = (long)seats;
    out->joins = a + 1;
    out->joinsLen = (size_t)(b - a - 1);
    out->area = b + 1;
    out->areaLen = len - (size_t)(b + 1 - s);
    return 0;
}

int resvJoinsValid(const char *s, size_t len, const char *self, size_t selfLen) {
    resvIdPart parts[RESV_FLOOR_JOIN_MAX];
    int n = resvIdSplit(s, len, ',', parts, RESV_FLOOR_JOIN_MAX);
    if (n < 0) return 0;
    for (int k = 0; k < n; k++)
        if (parts[k].len > RESV_FLOOR_TABLE_MAX ||
            (parts[k].len == selfLen && memcmp(parts[k].v, self, selfLen) == 0))
            return 0;
    return 1;
}

int resvJoinsHas(const char *list, size_t listLen, const char *name, size_t nameLen) {
    size_t i = 0;
    while (i < listLen) {
        const char *p = list + i, *e = memchr(p, ',', listLen - i);
        size_t pl = e ? (size_t)(e - p) : listLen - i;
        if (pl == nameLen && memcmp(p, name, pl) == 0) return 1;
        i += pl + 1;
    }
    return 0;
}

int resvHoldWindow(const char *date, size_t dl, const char *slot, size_t sl, int turnMinutes,
                   resvInstant *start, resvInstant *end) {
    resvInstant d;
    resvSlot s;
    if (resvParseDateOrDateTime(date, dl, 0, &d)) return -1;
    int hasSlot = resvParseSlot(slot, sl, &s) == 0;
    *start = resvStartInstant(d, hasSlot ? &s : NULL);
    long minutes = turnMinutes;
    if (hasSlot && s.end >= 0) minutes = s.end > s.start ? s.end - s.start : s.end + 1440 - s.start;
    *end = *start + (resvInstant)minutes * 60;
    return 0;
}

int resvHoldsOverlap(resvInstant a0, resvInstant a1, resvInstant b0, resvInstant b1) {
    return a0 < b1 && b0 < a1;
}

size_t resvHeldEncode(resvInstant start, resvInstant end, const char *table, size_t tl, char *buf,
                      size_t cap) {
    int n = snprintf(buf, cap, "%lld|%lld|%.*s", (long long)start, (long long)end, (int)tl, table);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int resvHeldDecode(const char *s, size_t len, resvInstant *start, resvInstant *end,
                   const char **table, size_t *tl) {
    const char *a = memchr(s, '|', len);
    if (!a) return -1;
    const char *b = memchr(a + 1, '|', len - (size_t)(a + 1 - s));
    long long v0, v1;
    if (!b || floorParseLong(s, (size_t)(a - s), 0, (1LL << 40), &v0) ||
        floorParseLong(a + 1, (size_t)(b - a - 1), 0, (1LL << 40), &v1) || v1 < v0)
        return -1;
    *start = v0;
    *end = v1;
    *table = b + 1;
    *tl = len - (size_t)(b + 1 - s);
    return *tl ? 0 : -1;
}

int resvFloorCounts(resvStatus s) {
    return s == RESV_S_PENDING || s == RESV_S_CONFIRMED || s == RESV_S_ARRIVED ||
           s == RESV_S_SEATED || s == RESV_S_COMPLETED;
}

long resvFloorParty(const char *s, size_t len) {
    long n;
    return resvParseUint(s, len, 0, 999999999, &n) ? 0 : n;
}

void resvLoadField(resvInstant start, char buf[RESV_LOAD_FIELD_LEN + 1]) {
    int m = (int)((start - resvDayStart(start)) / 60);
    buf[0] = (char)('0' + m / 600);
    buf[1] = (char)('0' + m / 60 % 10);
    buf[2] = ':';
    buf[3] = (char)('0' + m % 60 / 10);
    buf[4] = (char)('0' + m % 10);
    buf[5] = '\0';
}

int resvLoadFieldParse(const char *s, size_t len) {
    long long h, m;
    if (len != RESV_LOAD_FIELD_LEN || s[2] != ':' || s[0] == '-' || s[3] == '-' ||
        floorParseLong(s, 2, 0, 23, &h) || floorParseLong(s + 3, 2, 0, 59, &m))
        return -1;
    return (int)(h * 60 + m);
}

size_t resvLoadEncode(long covers, long parties, char buf[RESV_LOAD_VALUE_MAX]) {
    return (size_t)snprintf(buf, RESV_LOAD_VALUE_MAX, "%ld|%ld", covers, parties);
}

int resvLoadDecode(const char *s, size_t len, long *covers, long *parties) {
    const char *bar = memchr(s, '|', len);
    long long c, p;
    if (!bar || floorParseLong(s, (size_t)(bar - s), 0, 1LL << 40, &c) ||
        floorParseLong(bar + 1, len - (size_t)(bar + 1 - s), 1, 1LL << 40, &p))
        return -1;
    *covers = (long)c;
    *parties = (long)p;
    return 0;
}

int resvFloorSlotCount(int slotMinutes) {
    return (1440 + slotMinutes - 1) / slotMinutes;
}

static resvInstant floorDiv(resvInstant a, resvInstant b) {
    resvInstant q = a / b;
    return q - (a % b != 0 && (a < 0) != (b < 0));
}

void resvFloorSlotsHeld(resvInstant dayStart, resvInstant slotSecs, int n, resvInstant turn,
                        resvInstant hs, resvInstant he, int *first, int *last) {
    /* s = dayStart + k * slotSecs overlaps when hs - turn < s < he */
    resvInstant lo = floorDiv(hs - turn - dayStart, slotSecs) + 1;
    resvInstant hi = -floorDiv(dayStart - he, slotSecs) - 1; /* ceil((he - dayStart) / slot) - 1 */
    *first = lo < 0 ? 0 : lo > n ? n : (int)lo;
    *last = hi >= n ? n - 1 : hi < -1 ? -1 : (int)hi;
}

resvInstant resvFloorFirstGap(resvInstant from, resvInstant len, const resvInstant *starts,
                              const resvInstant *ends, int n) {
    resvInstant t = from;
    for (int i = 0; i < n; i++) {
        if (ends[i] <= t) continue;      /* over before t */
        if (starts[i] >= t + len) break; /* sorted by start: room before this one */
        t = ends[i];
    }
    return t;
}

resvInstant resvFloorFirstGapBoth(resvInstant from, resvInstant len, const resvInstant *as,
                                  const resvInstant *ae, int an, const resvInstant *bs,
                                  const resvInstant *be, int bn) {
    /* Each round starts at one of the holds' ends or stays: at most an + bn rounds. */
    for (;;) {
        resvInstant a = resvFloorFirstGap(from, len, as, ae, an);
        resvInstant b = resvFloorFirstGap(a, len, bs, be, bn);
        if (b == a) return a;
        from = b;
    }
}

int resvFloorCapacityParse(const char *s, long n[4]) {
    int end = -1;
    if (sscanf(s, RESV_FLOOR_CAPACITY_FMT "%n", &n[0], &n[1], &n[2], &n[3], &end) != 4 || end < 0 ||
        s[end] != '\0')
        return -1;
    return 0;
}

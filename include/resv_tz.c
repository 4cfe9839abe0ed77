#include "resv_tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One date of a POSIX TZ rule: Jn (1..365, February 29 never counted), n (0..365),
 * or Mm.w.d (weekday d of week w of month m, week 5 meaning the last). */
typedef enum { TZ_DATE_JULIAN1, TZ_DATE_JULIAN0, TZ_DATE_MONTH } tzDateKind;

typedef struct {
    tzDateKind kind;
    int day, week, month;
    int32_t time; /* seconds after local midnight, may be negative or past 24h */
} tzDate;

typedef struct {
    int32_t stdoff, dstoff; /* UTC offsets, seconds east */
    int hasDst;
    tzDate start, end;
} tzRule;

struct resvTz {
    int64_t ruleFrom; /* the footer rule holds from here on (the file's last transition) */
    tzRule rule;
    int hasRule;
    int32_t before;   /* offset before the first transition: the file's time type 0 */
    int32_t count;    /* transitions kept: only those that change the offset */
    int64_t *times;   /* ascending */
    int32_t *offsets; /* offsets[i] holds from times[i] on */
};

/* Candidate offsets a wall clock time can have are those in force within
 * RESV_TZ_OFFSET_MAX of it; past this many changes in that window a file is absurd. */
#define TZ_SCAN_MAX   (RESV_TZ_TIMES_MAX + 16)
#define TZ_HEADER_LEN 44
#define TZ_FOOTER_MAX 255

int resvTzNameValid(const char *name, size_t len) {
    int atStart = 1;
    if (len == 0 || len > RESV_TZ_NAME_MAX) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (atStart) {
            if (c < 'A' || c > 'Z') return 0;
            atStart = 0;
        } else if (c == '/') {
            atStart = 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-' || c == '+')) {
            return 0;
        }
    }
    return !atStart;
}

/* ---- the footer's POSIX TZ string ---- */

typedef struct {
    const char *p, *end;
} tzCursor;

static int tzPeek(const tzCursor *c) {
    return c->p < c->end ? (unsigned char)*c->p : -1;
}

static int tzIsDigit(int ch) {
    return ch >= '0' && ch <= '9';
}

static int tzIsAlpha(int ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* 1..maxDigits decimal digits. */
static int tzNumber(tzCursor *c, int maxDigits, int *out) {
    int v = 0, n = 0;
    while (n < maxDigits && tzIsDigit(tzPeek(c))) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    *out = v;
    return n ? 0 : -1;
}

/* An abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. */
static int tzName(tzCursor *c) {
    const char *s;
    if (tzPeek(c) != '<') {
        s = c->p;
        while (tzIsAlpha(tzPeek(c)))
            c->p++;
        return c->p - s >= 3 ? 0 : -1;
    }
    s = ++c->p;
    for (int ch; (ch = tzPeek(c)) != '>'; c->p++)
        if (!(tzIsAlpha(ch) || tzIsDigit(ch) || ch == '+' || ch == '-')) return -1;
    if (c->p - s < 3) return -1;
    c->p++;
    return 0;
}

/* [+-]h[h[h]][:mm[:ss]], hours at most maxHours, in seconds. */
static int tzHms(tzCursor *c, int maxHours, int32_t *out) {
    int sign = 1, h, m = 0, s = 0;
    if (tzPeek(c) == '+' || tzPeek(c) == '-') sign = *c->p++ == '-' ? -1 : 1;
    if (tzNumber(c, 3, &h) || h > maxHours) return -1;
    if (tzPeek(c) == ':') {
        c->p++;
        if (tzNumber(c, 2, &m) || m > 59) return -1;
        if (tzPeek(c) == ':') {
            c->p++;
            if (tzNumber(c, 2, &s) || s > 59) return -1;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return 0;
}

/* Rule times may run from -167 to 167 hours (RFC 8536 3.3.1); the default is 02:00. */
static int tzRuleDate(tzCursor *c, tzDate *d) {
    int ch = tzPeek(c);
    if (ch == 'J') {
        c->p++;
        d->kind = TZ_DATE_JULIAN1;
        if (tzNumber(c, 3, &d->day) || d->day < 1 || d->day > 365) return -1;
    } else if (ch == 'M') {
        c->p++;
        d->kind = TZ_DATE_MONTH;
        if (tzNumber(c, 2, &d->month) || d->month < 1 || d->month > 12) return -1;
        if (tzPeek(c) != '.') return -1;
        c->p++;
        if (tzNumber(c, 1, &d->week) || d->week < 1 || d->week > 5) return -1;
        if (tzPeek(c) != '.') return -1;
        c->p++;
        if (tzNumber(c, 1, &d->day) || d->day > 6) return -1;
    } else {
        d->kind = TZ_DATE_JULIAN0;
        if (tzNumber(c, 3, &d->day) || d->day > 365) return -1;
    }
    d->time = 2 * 3600;
    if (tzPeek(c) != '/') return 0;
    c->p++;
    return tzHms(c, 167, &d->time);
}

/* std offset [dst [offset] ,start[/time],end[/time]]. POSIX offsets count west; a
 * daylight saving zone without its rule is refused rather than given the US rules. */
static int tzRuleParse(const char *s, size_t len, tzRule *r) {
    tzCursor c = {s, s + len};
    int32_t off;
    memset(r, 0, sizeof(*r));
    if (tzName(&c) || tzHms(&c, 24, &off)) return -1;
    r->stdoff = -off;
    r->dstoff = r->stdoff;
    if (c.p == c.end) return 0;
    if (tzName(&c)) return -1;
    r->hasDst = 1;
    r->dstoff = r->stdoff + 3600;
    if (tzPeek(&c) != ',') {
        if (tzHms(&c, 24, &off)) return -1;
        r->dstoff = -off;
    }
    if (tzPeek(&c) != ',') return -1;
    c.p++;
    if (tzRuleDate(&c, &r->start) || tzPeek(&c) != ',') return -1;
    c.p++;
    if (tzRuleDate(&c, &r->end)) return -1;
    return c.p == c.end ? 0 : -1;
}

/* ---- the rule's transitions ---- */

static int64_t tzFloorDiv(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int tzIsLeap(int y) {
    return resvDaysFromCivil(y, 3, 1) - resvDaysFromCivil(y, 2, 28) == 2;
}

/* Days since 1970-01-01 of the rule's date in year y. */
static int64_t tzRuleDay(const tzDate *d, int y) {
    int64_t jan1 = resvDaysFromCivil(y, 1, 1);
    if (d->kind == TZ_DATE_JULIAN1) return jan1 + d->day - 1 + (d->day >= 60 && tzIsLeap(y));
    if (d->kind == TZ_DATE_JULIAN0) return jan1 + d->day;
    int64_t first = resvDaysFromCivil(y, d->month, 1);
    int64_t next =
        d->month == 12 ? resvDaysFromCivil(y + 1, 1, 1) : resvDaysFromCivil(y, d->month + 1, 1);
    int weekday = (int)(first + 4 - tzFloorDiv(first + 4, 7) * 7); /* 1970-01-01: Thursday */
    int64_t day = first + (d->day - weekday + 7) % 7 + (int64_t)(d->week - 1) * 7;
    while (day >= next)
        day -= 7;
    return day;
}

typedef struct {
    int64_t at;
    int dst; /* 1: daylight saving starts, 0: it ends */
} tzEvent;

#define TZ_RULE_EVENTS 10

/* The rule's changes of the years around t's, ascending; at a tie the end comes first,
 * so that a zone in daylight saving all year ("0/0,J365/25") stays in it. Changes are
 * stated in the wall clock in force before them. */
static void tzRuleEvents(const tzRule *r, int64_t t, tzEvent ev[TZ_RULE_EVENTS]) {
    int y, m, d, n = 0;
    resvCivilFromDays(tzFloorDiv(t + r->stdoff, RESV_SECS_PER_DAY), &y, &m, &d);
    for (int yy = y - 2; yy <= y + 2; yy++) {
        ev[n].at = tzRuleDay(&r->start, yy) * RESV_SECS_PER_DAY + r->start.time - r->stdoff;
        ev[n++].dst = 1;
        ev[n].at = tzRuleDay(&r->end, yy) * RESV_SECS_PER_DAY + r->end.time - r->dstoff;
        ev[n++].dst = 0;
    }
    for (int i = 1; i < n; i++) {
        tzEvent e = ev[i];
        int j = i;
        for (; j > 0 && (ev[j - 1].at > e.at || (ev[j - 1].at == e.at && ev[j - 1].dst > e.dst));
             j--)
            ev[j] = ev[j - 1];
        ev[j] = e;
    }
}

static int32_t tzRuleOffset(const tzRule *r, int64_t t) {
    tzEvent ev[TZ_RULE_EVENTS];
    int dst = 0;
    if (!r->hasDst) return r->stdoff;
    tzRuleEvents(r, t, ev);
    for (int i = 0; i < TZ_RULE_EVENTS && ev[i].at <= t; i++)
        dst = ev[i].dst;
    return dst ? r->dstoff : r->stdoff;
}

static int64_t tzRuleNext(const tzRule *r, int64_t t) {
    tzEvent ev[TZ_RULE_EVENTS];
    if (!r->hasDst) return INT64_MAX;
    tzRuleEvents(r, t, ev);
    for (int i = 0; i < TZ_RULE_EVENTS; i++)
        if (ev[i].at > t) return ev[i].at;
    return INT64_MAX;
}

/* ---- a zone's timeline ---- */

/* How many kept transitions are at or before t. */
static int32_t tzCountUpTo(const resvTz *tz, int64_t t) {
    int32_t lo = 0, hi = tz->count;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int32_t tzOffsetAt(const resvTz *tz, int64_t t) {
    if (tz->hasRule && t >= tz->ruleFrom) return tzRuleOffset(&tz->rule, t);
    int32_t i = tzCountUpTo(tz, t);
    return i ? tz->offsets[i - 1] : tz->before;
}

/* The first instant after t where the offset may change; INT64_MAX when none. */
static int64_t tzNextChange(const resvTz *tz, int64_t t) {
    if (tz->hasRule && t >= tz->ruleFrom) return tzRuleNext(&tz->rule, t);
    int32_t i = tzCountUpTo(tz, t);
    int64_t next = i < tz->count ? tz->times[i] : INT64_MAX;
    if (tz->hasRule && tz->ruleFrom < next) next = tz->ruleFrom;
    return next;
}

int resvTzToLocal(const resvTz *tz, int64_t utc, resvInstant *wall, int32_t *offset) {
    if (utc > RESV_TZ_INSTANT_MAX || utc < -RESV_TZ_INSTANT_MAX) return -1;
    int32_t off = tzOffsetAt(tz, utc);
    *wall = utc + off;
    if (offset) *offset = off;
    return 0;
}

/* Every offset in force within RESV_TZ_OFFSET_MAX of the wall clock is tried; one
 * whose instant really has that offset is an answer. None: the time fell in a gap. */
resvTzWall resvTzToUtc(const resvTz *tz, resvInstant wall, int64_t *utc) {
    if (wall > RESV_TZ_WALL_MAX || wall < -RESV_TZ_WALL_MAX) return RESV_TZ_WALL_RANGE;
    int64_t at = wall - RESV_TZ_OFFSET_MAX - 1, hi = wall + RESV_TZ_OFFSET_MAX + 1;
    int32_t off = tzOffsetAt(tz, at);
    int64_t best = 0, gap = 0;
    int found = 0, repeated = 0, inGap = 0;
    for (int i = 0; i < TZ_SCAN_MAX; i++) {
        int64_t cand = wall - off;
        if (tzOffsetAt(tz, cand) == off) {
            if (!found) {
                best = cand;
                found = 1;
            } else if (cand != best) {
                repeated = 1;
                if (cand < best) best = cand;
            }
        }
        int64_t next = tzNextChange(tz, at);
        if (next > hi) break;
        int32_t after = tzOffsetAt(tz, next);
        if (!inGap && wall >= next + off && wall < next + after) {
            gap = wall - off; /* read with the offset before the change: forward by the gap */
            inGap = 1;
        }
        off = after;
        at = next;
    }
    if (found) {
        *utc = best;
        return repeated ? RESV_TZ_WALL_REPEATED : RESV_TZ_WALL_UNIQUE;
    }
    *utc = inGap ? gap : wall - tzOffsetAt(tz, wall);
    return RESV_TZ_WALL_SKIPPED;
}

/* ---- TZif ---- */

static resvTz *tzFail(const char **why, const char *reason) {
    *why = reason;
    return NULL;
}

static uint32_t tzBe32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t tzBe64(const unsigned char *p) {
    return (int64_t)((uint64_t)tzBe32(p) << 32 | tzBe32(p + 4));
}

typedef struct {
    uint32_t isut, isstd, leap, times, types, chars;
} tzCounts;

/* A header at buf+at; on error returns why. */
static const char *tzHeader(const unsigned char *buf, size_t len, size_t at, tzCounts *n) {
    if (len < at || len - at < TZ_HEADER_LEN) return "truncated tz file";
    const unsigned char *h = buf + at;
    if (memcmp(h, "TZif", 4) != 0) return "not a TZif file";
    if (h[4] < '2') return "TZif version 1 is not supported (needs 2 or later)";
    n->isut = tzBe32(h + 20);
    n->isstd = tzBe32(h + 24);
    n->leap = tzBe32(h + 28);
    n->times = tzBe32(h + 32);
    n->types = tzBe32(h + 36);
    n->chars = tzBe32(h + 40);
    if (n->times > RESV_TZ_TIMES_MAX || n->types > RESV_TZ_TYPES_MAX ||
        n->chars > RESV_TZ_CHARS_MAX || n->leap > RESV_TZ_TIMES_MAX ||
        n->isut > RESV_TZ_TYPES_MAX || n->isstd > RESV_TZ_TYPES_MAX)
        return "tz file has too many entries";
    return NULL;
}

static size_t tzDataLen(const tzCounts *n, size_t timeSize) {
    return n->times * (timeSize + 1) + n->types * 6 + n->chars + n->leap * (timeSize + 4) +
           n->isstd + n->isut;
}

static const char *tzCheckTypes(const unsigned char *types, const tzCounts *n) {
    for (uint32_t i = 0; i < n->types; i++) {
        int32_t off = (int32_t)tzBe32(types + 6 * i);
        if (off < -RESV_TZ_OFFSET_MAX || off > RESV_TZ_OFFSET_MAX) return "bad tz file offset";
        if (types[6 * i + 4] > 1 || (n->chars && types[6 * i + 5] >= n->chars))
            return "bad tz file time type";
    }
    return NULL;
}

/* The footer: a newline, the POSIX TZ string, a newline, and nothing after. */
static const char *tzFooter(const unsigned char *buf, size_t len, size_t at, resvTz *tz) {
    if (at >= len || buf[at] != '\n') return "truncated tz file";
    const unsigned char *s = buf + at + 1, *nl = memchr(s, '\n', len - at - 1);
    if (nl == NULL) return "truncated tz file";
    if (nl + 1 != buf + len) return "bad tz file footer";
    size_t slen = (size_t)(nl - s);
    if (slen == 0) return NULL;
    if (slen > TZ_FOOTER_MAX || tzRuleParse((const char *)s, slen, &tz->rule))
        return "bad tz file footer rule";
    tz->hasRule = 1;
    return NULL;
}

resvTz *resvTzParse(const unsigned char *buf, size_t len, const char **why) {
    tzCounts n1, n;
    resvTz head, *tz;
    memset(&head, 0, sizeof(head));
    if (len > RESV_TZ_FILE_MAX) return tzFail(why, "tz file too large");
    if ((*why = tzHeader(buf, len, 0, &n1))) return NULL;
    size_t at = TZ_HEADER_LEN + tzDataLen(&n1, 4);
    if ((*why = tzHeader(buf, len, at, &n))) return NULL;
    at += TZ_HEADER_LEN;
    if (n.leap) return tzFail(why, "tz files with leap seconds are not supported");
    if (n.types == 0 || (n.isstd && n.isstd != n.types) || (n.isut && n.isut != n.types))
        return tzFail(why, "bad tz file counts");
    if (len - at < tzDataLen(&n, 8)) return tzFail(why, "truncated tz file");
    const unsigned char *times = buf + at, *idx = times + 8 * n.times, *types = idx + n.times;
    if ((*why = tzCheckTypes(types, &n))) return NULL;
    if ((*why = tzFooter(buf, len, at + tzDataLen(&n, 8), &head))) return NULL;

    head.before = (int32_t)tzBe32(types);
    head.ruleFrom = n.times ? tzBe64(times + 8 * (n.times - 1)) : INT64_MIN;
    int32_t prev = head.before, kept = 0;
    for (uint32_t i = 0; i < n.times; i++) {
        if (idx[i] >= n.types) return tzFail(why, "bad tz file transition type");
        if (i && tzBe64(times + 8 * i) <= tzBe64(times + 8 * (i - 1)))
            return tzFail(why, "tz file transitions out of order");
        int32_t off = (int32_t)tzBe32(types + 6 * idx[i]);
        kept += off != prev;
        prev = off;
    }

    tz = malloc(sizeof(*tz) + (size_t)kept * (sizeof(int64_t) + sizeof(int32_t)));
    if (tz == NULL) return tzFail(why, "out of memory");
    *tz = head;
    tz->times = (int64_t *)(tz + 1);
    tz->offsets = (int32_t *)(tz->times + kept);
    prev = head.before;
    for (uint32_t i = 0; i < n.times; i++) {
        int32_t off = (int32_t)tzBe32(types + 6 * idx[i]);
        if (off == prev) continue;
        tz->times[tz->count] = tzBe64(times + 8 * i);
        tz->offsets[tz->count++] = off;
        prev = off;
    }
    return tz;
}

void resvTzFree(resvTz *tz) {
    free(tz);
}

/* Reads at most RESV_TZ_FILE_MAX + 1 bytes into buf, so that a larger file shows. */
static int tzReadFile(int fd, unsigned char *buf, size_t *len) {
    size_t got = 0;
    while (got <= RESV_TZ_FILE_MAX) {
        ssize_t r = read(fd, buf + got, RESV_TZ_FILE_MAX + 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    *len = got;
    return 0;
}

resvTz *resvTzLoad(const char *dir, const char *name, size_t len, const char **why) {
    char path[PATH_MAX];
    struct stat st;
    if (!resvTzNameValid(name, len))
        return tzFail(why, "must be an IANA time zone name such as Asia/Shanghai");
    if (dir == NULL) dir = RESV_TZ_DIR;
    size_t dl = strlen(dir);
    if (dl + 1 + len + 1 > sizeof(path)) return tzFail(why, "the tz database path is too long");
    memcpy(path, dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, name, len);
    path[dl + 1 + len] = '\0';

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return tzFail(why, errno == ENOENT || errno == ENOTDIR ? "unknown time zone"
                                                               : "the tz database cannot be read");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tzFail(why, "unknown time zone");
    }
    size_t flen = 0;
    unsigned char *buf = malloc(RESV_TZ_FILE_MAX + 1);
    resvTz *tz = NULL;
    if (buf == NULL)
        *why = "out of memory";
    else if (tzReadFile(fd, buf, &flen) != 0)
        *why = "the tz database cannot be read";
    else
        tz = resvTzParse(buf, flen, why);
    close(fd);
    free(buf);
    return tz;
}

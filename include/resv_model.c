#include "resv_model.h"

#include <stdio.h>
#include <string.h>

#include "resv_time.h"

static const char *const syncStatusWords[] = {"pending", "success", "failed", NULL};
static const char *const systemStatusWords[] = {"inactive", "active", "error", NULL};

#define F(n, t, max, fl)                                                                           \
    { n, t, max, fl, NULL, NULL }
const resvFieldSpec resvFields[RESV_F_COUNT] = {
    [RESV_F_ID] = F("id", RESV_T_ID, 36, RESV_FF_SERVER),
    [RESV_F_SYSTEM_ID] = F("system_id", RESV_T_ID, RESV_ID_MAX, 0),
    [RESV_F_STORE_ID] = F("store_id", RESV_T_ID, RESV_ID_MAX, RESV_FF_SERVER),
    [RESV_F_RESERVATION_ID] = F("reservation_id", RESV_T_ID, RESV_ID_MAX, RESV_FF_SERVER),
    [RESV_F_EXTERNAL_RESERVATION_ID] = F("external_reservation_id", RESV_T_TEXT, 128, 0),
    [RESV_F_RESERVATION_NUMBER] = F("reservation_number", RESV_T_TEXT, 128, 0),
    [RESV_F_CUSTOMER_NAME] = F("customer_name", RESV_T_TEXT, 128, 0),
    [RESV_F_CUSTOMER_PHONE] = F("customer_phone", RESV_T_PHONE, 32, 0),
    [RESV_F_CUSTOMER_COUNT] = F("customer_count", RESV_T_INT, 4, 0),
    [RESV_F_RESERVATION_DATE] = F("reservation_date", RESV_T_DATETIME, 19, 0),
    [RESV_F_RESERVATION_TIME] = F("reservation_time", RESV_T_SLOT, 11, 0),
    [RESV_F_ARRIVAL_TIME] = F("arrival_time", RESV_T_DATETIME, 19, 0),
    [RESV_F_TABLE_TYPE] = F("table_type", RESV_T_TEXT, 64, 0),
    [RESV_F_TABLE_NUMBER] = {"table_number", RESV_T_TABLES,
                             RESV_TABLES_JOIN_MAX *(RESV_TABLES_ONE_MAX + 1) - 1, 0, NULL,
                             "must be 1 to 8 different tables joined by +, each 1 to 32 "
                             "letters, digits, non-ASCII UTF-8 or - _ . : @"},
    [RESV_F_AREA] = F("area", RESV_T_TEXT, 64, 0),
    [RESV_F_STATUS] = F("status", RESV_T_STATUS, 9, 0),
    [RESV_F_SPECIAL_REQUIREMENTS] = F("special_requirements", RESV_T_TEXT, 2000, 0),
    [RESV_F_NOTES] = F("notes", RESV_T_TEXT, 2000, 0),
    [RESV_F_DEPOSIT_REQUIRED] = F("deposit_required", RESV_T_BOOL, 5, 0),
    [RESV_F_DEPOSIT_AMOUNT] = F("deposit_amount", RESV_T_MONEY, 16, 0),
    [RESV_F_DEPOSIT_PAID] = F("deposit_paid", RESV_T_BOOL, 5, 0),
    [RESV_F_SOURCE] = F("source", RESV_T_TEXT, 64, 0),
    [RESV_F_CHANNEL] = F("channel", RESV_T_TEXT, 64, 0),
    [RESV_F_SYNC_STATUS] = {"sync_status", RESV_T_ENUM, 7, 0, syncStatusWords,
                            "must be one of pending success failed"},
    [RESV_F_SYNCED_AT] = F("synced_at", RESV_T_DATETIME, 19, 0),
    [RESV_F_CREATED_AT] = F("created_at", RESV_T_DATETIME, 19, RESV_FF_SERVER),
    [RESV_F_UPDATED_AT] = F("updated_at", RESV_T_DATETIME, 19, 0),
    [RESV_F_SYNC_ERROR] = F("sync_error", RESV_T_TEXT, 512, RESV_FF_SERVER),
    [RESV_F_OVERBOOKED] = F("overbooked", RESV_T_BOOL, 5, RESV_FF_SERVER),
};

const resvFieldSpec resvSystemFields[RESV_SF_COUNT] = {
    [RESV_SF_ID] = F("id", RESV_T_ID, RESV_ID_MAX, RESV_FF_SERVER),
    [RESV_SF_NAME] = F("name", RESV_T_TEXT, 128, 0),
    [RESV_SF_TYPE] = F("type", RESV_T_TEXT, 32, 0),
    [RESV_SF_PROVIDER] = F("provider", RESV_T_TEXT, 32, 0),
    [RESV_SF_STATUS] = {"status", RESV_T_ENUM, 8, 0, systemStatusWords,
                        "must be one of inactive active error"},
    [RESV_SF_STORE_ID] = F("store_id", RESV_T_ID, RESV_ID_MAX, 0),
    [RESV_SF_CONFIG] = F("config", RESV_T_TEXT, 8192, 0),
    [RESV_SF_WEBHOOK_SECRET] = F("webhook_secret", RESV_T_TEXT, 128, 0),
    [RESV_SF_LAST_ERROR] = F("last_error", RESV_T_TEXT, 512, 0),
    [RESV_SF_LAST_PULL_AT] = F("last_pull_at", RESV_T_DATETIME, 19, 0),
    [RESV_SF_CREATED_AT] = F("created_at", RESV_T_DATETIME, 19, RESV_FF_SERVER),
    [RESV_SF_UPDATED_AT] = F("updated_at", RESV_T_DATETIME, 19, RESV_FF_SERVER),
};
#undef F

int resvFieldLookupFrom(const resvFieldSpec *table, int count, const char *name, size_t len,
                        int from) {
    for (int n = 0; n < count; n++) {
        int i = (from + n) % count;
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) return i;
    }
    return -1;
}

int resvFieldLookup(const resvFieldSpec *table, int count, const char *name, size_t len) {
    return resvFieldLookupFrom(table, count, name, len, 0);
}

/* Bytes of the strict UTF-8 character at s (no overlong forms, no surrogates, nothing
 * above U+10FFFF), 0 when none starts there. */
static size_t modelUtf8Char(const unsigned char *s, const unsigned char *end) {
    unsigned c = *s, need, min, cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if ((size_t)(end - s) <= need) return 0;
    for (unsigned i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return need + 1;
}

int resvUtf8Valid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    for (size_t n; s < end; s += n)
        if (!(n = modelUtf8Char(s, end))) return 0;
    return 1;
}

void resvTextScrub(char *str, size_t len) {
    unsigned char *s = (unsigned char *)str, *end = s + len;
    for (size_t n; s < end; s += n) {
        n = modelUtf8Char(s, end);
        if (!n)
            *s = '?', n = 1;
        else if (*s < 0x20 || *s == 0x7F)
            *s = ' ';
    }
}

size_t resvUtf8Length(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Length limits count characters, as JSON Schema's maxLength does: a 100-character
 * Chinese name is 300 bytes and fits a limit of 128. Cheap before the UTF-8 check: no
 * text of more than 4 bytes a character can fit, none within the limit in bytes can
 * exceed it. */
static int modelWithin(const char *s, size_t len, unsigned max) {
    if (len <= max) return 1;
    if (len > 4 * (size_t)max) return 0;
    return resvUtf8Length(s, len) <= max;
}

/* Ids become parts of key names and URL paths: braces would change a key's cluster
 * slot, and separators or spaces would make a path ambiguous. strchr() finds the
 * terminating NUL too, so a NUL byte has to be excluded before asking it. */
int resvIdValid(const char *s, size_t len) {
    if (len == 0 || !modelWithin(s, len, RESV_ID_MAX) || !resvUtf8Valid(s, len)) return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
            (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("-_.:@", c)))
            continue;
        return 0;
    }
    return 1;
}

int resvIdSplit(const char *s, size_t len, char sep, resvIdPart *parts, int max) {
    int n = 0;
    size_t i = 0;
    if (!len) return -1;
    while (i <= len) {
        const char *p = s + i, *e = memchr(p, sep, len - i);
        size_t pl = e ? (size_t)(e - p) : len - i;
        if (n == max || !resvIdValid(p, pl)) return -1;
        for (int k = 0; k < n; k++)
            if (parts[k].len == pl && memcmp(parts[k].v, p, pl) == 0) return -1;
        parts[n].v = p;
        parts[n++].len = pl;
        i += pl + 1;
    }
    return n;
}

static int modelTextValid(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return 0;
    }
    return resvUtf8Valid(s, len);
}

static int modelPhoneValid(const char *s, size_t len) {
    int digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (!strchr(" +-()", s[i]) || s[i] == '\0')
            return 0;
    }
    return digits > 0;
}

/* Integer without sign or leading zeros, in [lo, hi]. */
int resvParseUint(const char *s, size_t len, long lo, long hi, long *out) {
    long v = 0;
    if (len == 0 || len > 9 || (len > 1 && s[0] == '0')) return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* Money as whole cents, so that 200, 200.0 and 200.00 are one value and no binary
 * fraction ever rounds a deposit. */
static int modelParseMoney(const char *s, size_t len, long long *cents) {
    size_t dot = len;
    long whole, frac = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.') {
            dot = i;
            break;
        }
    if (dot == 0 || resvParseUint(s, dot, 0, 999999999, &whole)) return -1;
    if (dot < len) {
        size_t n = len - dot - 1;
        if (n < 1 || n > 2) return -1;
        for (size_t i = dot + 1; i < len; i++) {
            if (s[i] < '0' || s[i] > '9') return -1;
            frac = frac * 10 + (s[i] - '0');
        }
        if (n == 1) frac *= 10;
    }
    *cents = (long long)whole * 100 + frac;
    return 0;
}

/* The why of a text over its limit, naming the limit (a static string, like every why). */
static const char *modelTooLong(unsigned max) {
    switch (max) {
    case 32: return "must be at most 32 characters";
    case 64: return "must be at most 64 characters";
    case 128: return "must be at most 128 characters";
    case 512: return "must be at most 512 characters";
    case 2000: return "must be at most 2000 characters";
    case 8192: return "must be at most 8192 characters";
    }
    return "must be shorter: over the field's character limit";
}

int resvWordIndex(const char *const *words, const char *s, size_t len) {
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0) return i;
    return -1;
}

int resvFieldCheck(const resvFieldSpec *spec, const char *v, size_t len, char buf[RESV_CANON_MAX],
                   const char **canon, size_t *canonlen, const char **why) {
    long n;
    long long cents;
    resvInstant t;
    resvSlot slot;
    resvStatus st;

    *canon = v;
    *canonlen = len;
    switch (spec->type) {
    case RESV_T_ID:
        *why = spec->why ? spec->why
                         : "must be 1 to 128 letters, digits, non-ASCII UTF-8 or - _ . : @";
        return modelWithin(v, len, spec->maxlen) && resvIdValid(v, len) ? 0 : -1;
    case RESV_T_TABLES: {
        resvIdPart parts[RESV_TABLES_JOIN_MAX];
        int k = resvIdSplit(v, len, '+', parts, RESV_TABLES_JOIN_MAX);
        *why = spec->why;
        for (int i = 0; i < k; i++)
            if (!modelWithin(parts[i].v, parts[i].len, RESV_TABLES_ONE_MAX)) return -1;
        return k > 0 ? 0 : -1;
    }
    case RESV_T_TEXT:
        if (!modelTextValid(v, len)) {
            *why = "must be UTF-8 text without control characters other than tab and newline";
            return -1;
        }
        *why = modelTooLong(spec->maxlen);
        return modelWithin(v, len, spec->maxlen) ? 0 : -1;
    case RESV_T_PHONE:
        *why = "must be a phone number of digits, spaces and + - ( ), at most 32 characters";
        return modelWithin(v, len, spec->maxlen) && modelPhoneValid(v, len) ? 0 : -1;
    case RESV_T_INT:
        *why = "must be an integer from 1 to 9999";
        return resvParseUint(v, len, 1, 9999, &n);
    case RESV_T_MONEY:
        *why = "must be an amount from 0 to 999999999.99 with at most two decimals";
        if (modelParseMoney(v, len, &cents)) return -1;
        *canonlen = (size_t)snprintf(buf, RESV_CANON_MAX, "%lld.%02lld", cents / 100, cents % 100);
        *canon = buf;
        return 0;
    case RESV_T_BOOL:
        *why = "must be true or false";
        if ((len == 4 && !memcmp(v, "true", 4)) || (len == 1 && v[0] == '1'))
            *canon = "true";
        else if ((len == 5 && !memcmp(v, "false", 5)) || (len == 1 && v[0] == '0'))
            *canon = "false";
        else
            return -1;
        *canonlen = strlen(*canon);
        return 0;
    case RESV_T_DATETIME:
        *why = "must be a date YYYY-MM-DDTHH:MM:SS (or YYYY-MM-DD), year 1970 to 9999";
        if (resvParseDateOrDateTime(v, len, 0, &t)) return -1;
        resvFormatDateTime(t, buf);
        *canon = buf;
        *canonlen = RESV_DATETIME_LEN;
        return 0;
    case RESV_T_SLOT:
        *why = "must be a time slot HH:MM-HH:MM or HH:MM";
        return resvParseSlot(v, len, &slot);
    case RESV_T_STATUS:
        *why = "must be one of pending confirmed arrived seated completed cancelled no_show";
        return resvStatusParse(v, len, &st);
    case RESV_T_ENUM: *why = spec->why; return resvWordIndex(spec->words, v, len) >= 0 ? 0 : -1;
    }
    *why = "has an unknown type";
    return -1;
}

resvJsonType resvFieldJsonType(const resvFieldSpec *spec) {
    switch (spec->type) {
    case RESV_T_INT: return RESV_JSON_INTEGER;
    case RESV_T_MONEY: return RESV_JSON_NUMBER;
    case RESV_T_BOOL: return RESV_JSON_BOOL;
    default: return RESV_JSON_STRING;
    }
}

static const char *const statusNames[RESV_S_COUNT + 1] = {
    "pending", "confirmed", "arrived", "seated", "completed", "cancelled", "no_show", NULL};

const char *resvStatusName(resvStatus s) {
    return (unsigned)s < RESV_S_COUNT ? statusNames[s] : "unknown";
}

int resvStatusParse(const char *s, size_t len, resvStatus *out) {
    int i = resvWordIndex(statusNames, s, len);
    if (i < 0) return -1;
    *out = (resvStatus)i;
    return 0;
}

#define T(s) (1u << RESV_S_##s)
static const unsigned transitions[RESV_S_COUNT] = {
    [RESV_S_PENDING] = T(CONFIRMED) | T(ARRIVED) | T(CANCELLED) | T(NO_SHOW),
    [RESV_S_CONFIRMED] = T(ARRIVED) | T(SEATED) | T(CANCELLED) | T(NO_SHOW),
    [RESV_S_ARRIVED] = T(SEATED) | T(COMPLETED) | T(CANCELLED),
    [RESV_S_SEATED] = T(COMPLETED),
    [RESV_S_NO_SHOW] = T(ARRIVED),
    [RESV_S_COMPLETED] = 0,
    [RESV_S_CANCELLED] = 0,
};
#undef T

/* Position along pending -> confirmed -> arrived -> seated -> completed; -1 off it. */
static int modelChainRank(resvStatus s) {
    return s <= RESV_S_COMPLETED ? (int)s : -1;
}

resvMove resvStatusMove(resvStatus from, resvStatus to, int fromProvider) {
    if (from == to) return RESV_MOVE_NONE;
    if (transitions[from] & (1u << to)) return RESV_MOVE_APPLY;
    if (!fromProvider) return RESV_MOVE_REFUSE;
    if (to == RESV_S_CANCELLED && from != RESV_S_COMPLETED) return RESV_MOVE_APPLY;
    if (modelChainRank(from) >= 0 && modelChainRank(to) > modelChainRank(from))
        return RESV_MOVE_APPLY;
    return RESV_MOVE_IGNORE;
}

static const char *const originNames[RESV_O_COUNT + 1] = {"api",  "webhook", "sync", "pull",
                                                          "auto", "walk_in", NULL};

const char *resvOriginName(resvOrigin o) {
    return (unsigned)o < RESV_O_COUNT ? originNames[o] : "unknown";
}

int resvOriginParse(const char *s, size_t len, resvOrigin *out) {
    int i = resvWordIndex(originNames, s, len);
    if (i < 0) return -1;
    *out = (resvOrigin)i;
    return 0;
}

/* The reservation model: fields and their rules, statuses and their transitions, ids.
 * Pure code without redismodule.h, shared by the module and the sidecar, unit-tested
 * and fuzzable on its own. */
#ifndef RESV_MODEL_H
#define RESV_MODEL_H

#include <stddef.h>

/* Order is the order of replies (RESV.GET, JSON objects). */
typedef enum {
    RESV_F_ID,
    RESV_F_SYSTEM_ID,
    RESV_F_STORE_ID,
    RESV_F_RESERVATION_ID,
    RESV_F_EXTERNAL_RESERVATION_ID,
    RESV_F_RESERVATION_NUMBER,
    RESV_F_CUSTOMER_NAME,
    RESV_F_CUSTOMER_PHONE,
    RESV_F_CUSTOMER_COUNT,
    RESV_F_RESERVATION_DATE,
    RESV_F_RESERVATION_TIME,
    RESV_F_ARRIVAL_TIME,
    RESV_F_TABLE_TYPE,
    RESV_F_TABLE_NUMBER,
    RESV_F_AREA,
    RESV_F_STATUS,
    RESV_F_SPECIAL_REQUIREMENTS,
    RESV_F_NOTES,
    RESV_F_DEPOSIT_REQUIRED,
    RESV_F_DEPOSIT_AMOUNT,
    RESV_F_DEPOSIT_PAID,
    RESV_F_SOURCE,
    RESV_F_CHANNEL,
    RESV_F_SYNC_STATUS,
    RESV_F_SYNCED_AT,
    RESV_F_CREATED_AT,
    RESV_F_UPDATED_AT,
    RESV_F_SYNC_ERROR, /* last error of a push to the provider (server-set) */
    RESV_F_OVERBOOKED, /* "true": stored over the floor's limits (server-set, resv_floor.h) */
    RESV_F_COUNT
} resvField;

typedef enum {
    RESV_T_ID,       /* ASCII letters, digits, - _ . : @ and non-ASCII UTF-8; no braces */
    RESV_T_TABLES,   /* table_number: one table id, or up to 8 joined by '+' */
    RESV_T_TEXT,     /* UTF-8 without control characters but tab and newline */
    RESV_T_PHONE,    /* digits, spaces, + - ( ) */
    RESV_T_INT,      /* customer_count: 1..9999 */
    RESV_T_MONEY,    /* 0..999999999.99, at most two decimals; stored as %.2f */
    RESV_T_BOOL,     /* true/false/1/0; stored as true/false */
    RESV_T_DATETIME, /* YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD; stored as the former */
    RESV_T_SLOT,     /* HH:MM-HH:MM or HH:MM */
    RESV_T_STATUS,   /* one of the seven statuses */
    RESV_T_ENUM      /* one of the spec's words (sync_status, system status...) */
} resvType;

typedef enum { RESV_JSON_STRING, RESV_JSON_INTEGER, RESV_JSON_NUMBER, RESV_JSON_BOOL } resvJsonType;

#define RESV_FF_SERVER 1 /* set by the server only: RESV.UPSERT refuses it */

typedef struct {
    const char *name;
    resvType type;
    unsigned maxlen;          /* characters (UTF-8 code points), as JSON Schema's maxLength */
    unsigned flags;           /* RESV_FF_* */
    const char *const *words; /* RESV_T_ENUM: NULL-terminated allowed values */
    const char *why;          /* "must be ..." when the type's own text does not fit: an
                                 enum's words, an id shorter than 128 characters */
} resvFieldSpec;

extern const resvFieldSpec resvFields[RESV_F_COUNT];

/* The system (integration configuration) model, stored the same way. */
typedef enum {
    RESV_SF_ID,
    RESV_SF_NAME,
    RESV_SF_TYPE,
    RESV_SF_PROVIDER,
    RESV_SF_STATUS,
    RESV_SF_STORE_ID,
    RESV_SF_CONFIG,
    RESV_SF_WEBHOOK_SECRET,
    RESV_SF_LAST_ERROR,
    RESV_SF_LAST_PULL_AT,
    RESV_SF_CREATED_AT,
    RESV_SF_UPDATED_AT,
    RESV_SF_COUNT
} resvSystemField;

extern const resvFieldSpec resvSystemFields[RESV_SF_COUNT];

#define RESV_CANON_MAX 32 /* room for the canonical form of every non-text type */
/* table_number: up to 8 tables joined by '+', each of at most 32 characters (the
 * inventory's table ids are at most 32 bytes), so 8 * 32 + 7 characters in all. */
#define RESV_TABLES_JOIN_MAX 8
#define RESV_TABLES_ONE_MAX  32
#define RESV_ID_MAX          128 /* characters */
/* Bytes an id of RESV_ID_MAX characters may take: a UTF-8 character is 1 to 4 bytes. */
#define RESV_ID_MAX_BYTES (4 * RESV_ID_MAX)

/* Looks a field name up (exact, lowercase); -1 when the model has no such field. */
int resvFieldLookup(const resvFieldSpec *table, int count, const char *name, size_t len);
/* The same, searching from index `from` on (wrapping around). Records are written and
 * replied in model order, so when reading one field after another, starting just after
 * the previous match finds the next field at the first try. */
int resvFieldLookupFrom(const resvFieldSpec *table, int count, const char *name, size_t len,
                        int from);

/* Checks a value for a field. On success returns 0 and points *canon at the value to
 * store: v itself, or buf holding its canonical form. On failure returns -1 and *why
 * says what the value must be (a static string, for "ERR invalid <field>: <why>"). */
int resvFieldCheck(const resvFieldSpec *spec, const char *v, size_t len, char buf[RESV_CANON_MAX],
                   const char **canon, size_t *canonlen, const char **why);

resvJsonType resvFieldJsonType(const resvFieldSpec *spec);

int resvIdValid(const char *s, size_t len);
/* A list of ids separated by sep (table_number "T1+T2", a JOINS list "T2,T3"): the
 * pieces into parts (up to max), returns their count; -1 on an empty piece, a piece
 * that is no id, a repeat, or more than max. */
typedef struct {
    const char *v;
    size_t len;
} resvIdPart;
int resvIdSplit(const char *s, size_t len, char sep, resvIdPart *parts, int max);
/* A whole number of 1 to 9 digits without sign or leading zero, in [lo, hi]: 0 and
 * *out, or -1. */
int resvParseUint(const char *s, size_t len, long lo, long hi, long *out);
/* Position of s in a NULL-terminated word list (exact bytes), -1 when absent. */
int resvWordIndex(const char *const *words, const char *s, size_t len);
/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
int resvUtf8Valid(const char *s, size_t len);
/* Makes outside text (a provider's error) one line of RESV_T_TEXT, in place and the
 * same length: each byte that is no part of a UTF-8 character becomes '?', each
 * control character a space. */
void resvTextScrub(char *s, size_t len);
/* Characters (code points) of valid UTF-8 text: the bytes that do not continue one. */
size_t resvUtf8Length(const char *s, size_t len);

typedef enum {
    RESV_S_PENDING,
    RESV_S_CONFIRMED,
    RESV_S_ARRIVED,
    RESV_S_SEATED,
    RESV_S_COMPLETED,
    RESV_S_CANCELLED,
    RESV_S_NO_SHOW,
    RESV_S_COUNT
} resvStatus;

const char *resvStatusName(resvStatus s);
int resvStatusParse(const char *s, size_t len, resvStatus *out);

typedef enum {
    RESV_MOVE_NONE,   /* same status: nothing to do */
    RESV_MOVE_APPLY,  /* change the status */
    RESV_MOVE_IGNORE, /* provider data that would move backwards: keep, note in history */
    RESV_MOVE_REFUSE  /* not a transition of the table: refuse the command */
} resvMove;

/* What a status change from -> to does. Our own API follows the transition table;
 * provider data (webhook, sync, pull) may also jump forward along
 * pending -> confirmed -> arrived -> seated -> completed and cancel anything not
 * completed, and is ignored rather than refused otherwise. */
resvMove resvStatusMove(resvStatus from, resvStatus to, int fromProvider);

/* Audit origins. `auto` is the module's own change (a no-show at its deadline) and
 * `walk_in` a waiting party seated (RESV.WAIT.SEAT; also such a reservation's source
 * and audit event): changes of ours like `api`, not the provider's. */
typedef enum {
    RESV_O_API,
    RESV_O_WEBHOOK,
    RESV_O_SYNC,
    RESV_O_PULL,
    RESV_O_AUTO,
    RESV_O_WALK_IN,
    RESV_O_COUNT
} resvOrigin;
const char *resvOriginName(resvOrigin o);
int resvOriginParse(const char *s, size_t len, resvOrigin *out);
#define resvOriginIsProvider(o) ((o) == RESV_O_WEBHOOK || (o) == RESV_O_SYNC || (o) == RESV_O_PULL)

#endif

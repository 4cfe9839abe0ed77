/* The rules of finding a guest (RESV.FIND): which fields the lookup index maps to
 * reservations and under which hash field, phone digits, name matching, and the lists
 * of ids the index holds. Pure: no Redis, shared with the sidecar and unit-tested. */
#ifndef RESV_FIND_H
#define RESV_FIND_H

#include <stddef.h>

#include "resv_model.h"

/* The fields of the lookup index resv:{S}:lookup (keys.md), in their order of
 * preference after reservation_id. */
typedef enum { RESV_FIND_NUMBER, RESV_FIND_EXTERNAL, RESV_FIND_PHONE, RESV_FIND_COUNT } resvFindRef;
extern const resvField resvFindFields[RESV_FIND_COUNT];

#define RESV_FIND_PHONE_KEY 4 /* a phone is indexed by its last 4 digits */
/* A value RESV.FIND looks up, and its QUERY: 128 characters, as an id, a reservation
 * number or an external id is limited (resv_model.c), of up to 4 bytes each. */
#define RESV_FIND_VALUE_CHARS 128
#define RESV_FIND_VALUE_MAX   (4 * RESV_FIND_VALUE_CHARS)
/* Bytes of the longest customer_name: 128 characters (resv_model.c) of up to 4 bytes. */
#define RESV_FIND_NAME_MAX (4 * 128)
/* Room for a lookup hash field: a 2-byte prefix and the longest value. */
#define RESV_FIND_FIELD_MAX (2 + RESV_FIND_VALUE_MAX)

/* The lookup hash field of a stored value of `ref` into out (RESV_FIND_FIELD_MAX
 * bytes): "n:<number>", "x:<external id>", "p:<last 4 digits>". Returns its length, 0
 * when the value is not indexed (empty, too long, or a phone with fewer than 4 digits). */
size_t resvFindField(resvFindRef ref, const char *v, size_t len, char *out);

/* The digits of a phone number or query, at most `cap`; returns how many were
 * written, or cap + 1 when there were more. */
size_t resvFindDigits(const char *s, size_t len, char *out, size_t cap);
/* A query as RESV.FIND and GET /reservation/search take it: without its leading and
 * trailing spaces, 1 to RESV_FIND_VALUE_CHARS characters of UTF-8 text without control
 * characters. 0 and the trimmed query in *out, *outLen; -1 when it is not one. */
int resvFindQueryCheck(const char *q, size_t len, const char **out, size_t *outLen);
/* 1 when q is shaped like (a part of) a phone number: only digits, spaces and + - ( ),
 * with at least 4 digits. */
int resvFindIsPhoneQuery(const char *q, size_t len);
/* 1 when the digits of `phone` end with `digits`. */
int resvFindPhoneMatches(const char *phone, size_t len, const char *digits, size_t nd);

/* Folds case for a name search: ASCII letters and the Latin-1 letters (U+00C0-U+00DE
 * but U+00D7) to lowercase, every other byte unchanged; out has len bytes. */
void resvFindFold(const char *s, size_t len, char *out);
/* 1 when `name` contains q, case-insensitively for Latin letters (both valid UTF-8, so
 * a match always starts at a character). */
int resvFindNameMatches(const char *name, size_t nl, const char *q, size_t ql);

/* A list of ids, the value of a lookup hash field: ids (which never hold a space)
 * joined by single spaces, in byte order, each once. Add and remove write the new list
 * into out (room for len + idlen + 1 bytes) and return its length; the list is
 * unchanged (and copied) when id is already in it, or not in it. */
size_t resvFindListAdd(const char *list, size_t len, const char *id, size_t idlen, char *out);
size_t resvFindListRemove(const char *list, size_t len, const char *id, size_t idlen, char *out);
/* The next id of a list from *pos on; 0 when none is left. */
int resvFindListNext(const char *list, size_t len, size_t *pos, const char **id, size_t *idlen);

#endif

/* The audit trail's entry format: one list element per entry (resv:{S}:h:R, keys.md).
 * The fields, in this fixed order, are joined by a NUL byte:
 *     at \0 origin \0 actor \0 event \0 changed \0 status \0 note [\0 payload]
 * The payload comes last so that it may hold any bytes, NULs included; every other
 * field is refused with a NUL before it gets here. An entry without a payload has no
 * seventh NUL, so "no payload" and "an empty payload" stay apart.
 * Pure code (no redismodule.h): one encoder, one decoder, unit-tested. */
#ifndef RESV_HISTORY_H
#define RESV_HISTORY_H

#include <stddef.h>

typedef enum {
    RESV_H_AT,      /* server wall clock */
    RESV_H_ORIGIN,  /* api webhook sync pull push */
    RESV_H_ACTOR,   /* who, may be empty */
    RESV_H_EVENT,   /* created updated status ignored pushed ... */
    RESV_H_CHANGED, /* comma-separated field names, may be empty */
    RESV_H_STATUS,  /* the status after the entry */
    RESV_H_NOTE,    /* empty when none */
    RESV_H_PAYLOAD, /* the raw provider payload, present only when hasPayload */
    RESV_H_COUNT
} resvHistoryField;

/* Field names as RESV.HISTORY replies them. */
extern const char *const resvHistoryFieldNames[RESV_H_COUNT];

typedef struct {
    const char *v[RESV_H_COUNT]; /* NULL is the same as "" */
    size_t len[RESV_H_COUNT];
    int hasPayload;
} resvHistoryEntry;

/* Bytes of the encoded entry. */
size_t resvHistoryEncodedLen(const resvHistoryEntry *e);
/* Writes the entry into buf (resvHistoryEncodedLen bytes). Returns -1 and writes
 * nothing when a field other than the payload holds a NUL byte. */
int resvHistoryEncode(const resvHistoryEntry *e, char *buf);
/* Splits an encoded entry; the fields point into p. Never fails: an element that was
 * not written by the encoder (fewer separators) leaves the missing fields empty.
 * Returns 0 for a well-formed entry, -1 otherwise. */
int resvHistoryDecode(const char *p, size_t len, resvHistoryEntry *e);

#endif

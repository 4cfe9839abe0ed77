/* A store's settings (RESV.STORE.SET/GET, PUT/GET /stores/{store_id}/settings): their
 * names, bounds, defaults and JSON types, and the check of a value. Pure, shared by
 * the module and the sidecar; the module keeps them in the hash resv:{S}:settings
 * (resv_keys.h) and loads zones with resv_tz. */
#ifndef RESV_SETTINGS_H
#define RESV_SETTINGS_H

#include <stddef.h>

/* Order is the order of replies. */
typedef enum {
    RESV_ST_TIMEZONE,              /* an IANA zone name */
    RESV_ST_NO_SHOW_AFTER_MINUTES, /* 0: off */
    RESV_ST_SLOT_MINUTES,          /* the table and capacity work's slot */
    RESV_ST_TURN_MINUTES,          /* how long a party holds a table */
    RESV_ST_MAX_COVERS_PER_SLOT,   /* pacing of our own bookings (resv_floor.h); 0: off */
    RESV_ST_MAX_PARTIES_PER_SLOT,  /* the same in parties; 0: off */
    RESV_ST_COUNT
} resvSetting;

typedef struct {
    const char *name;
    int isZone;         /* a zone name; otherwise a whole number in [min, max] */
    long min, max, def; /* numbers only; a zone's default is resv.default-timezone */
    const char *why;    /* "must be ..." */
} resvSettingSpec;

extern const resvSettingSpec resvSettings[RESV_ST_COUNT];

/* The setting a name (exact bytes) names; -1 when none. */
int resvSettingLookup(const char *name, size_t len);
/* Checks a value for setting s: 0, with *num the number of a numeric setting; -1 and
 * *why (a static string, for "ERR invalid <name>: <why>"). A zone is checked by its
 * name only (resvTzNameValid): whether tzdata has it is the loader's to say. */
int resvSettingCheck(resvSetting s, const char *v, size_t len, long *num, const char **why);

#endif

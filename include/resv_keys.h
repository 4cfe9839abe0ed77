/* The names the module and the sidecar must agree on: key formats, the fields of the
 * change feed and of push outbox entries, and RESV.UPSERT's reply words (docs/keys.md,
 * docs/commands.md). One spelling here, so the two sides cannot drift. Pure: no Redis,
 * no libevent. */
#ifndef RESV_KEYS_H
#define RESV_KEYS_H

#include <stddef.h>

/* Key formats. Each id piece is "%.*s" (an int length, then the bytes): the module's
 * ids are not NUL-terminated. {S} is the store's hash tag, so a store lives in one
 * cluster slot; ids cannot hold braces. */
/* The pieces of the two hottest names, which the module copies together rather than
 * formats (a format costs more than the rest of RESV.GET's own work). */
#define RESV_KEY_STORE_OPEN    "resv:{"
#define RESV_KEY_RECORD_SEP    "}:r:"
#define RESV_KEY_PARTITION_SEP "}:i:"
#define RESV_KEY_LOAD_SEP      "}:load:"
#define RESV_KEY_RECORD        RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_RECORD_SEP "%.*s" /* store, id */
#define RESV_KEY_PARTITION                                                                         \
    RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_PARTITION_SEP "%s:%.*s" /* store, status name, day */
#define RESV_KEY_DAYS       "resv:{%.*s}:days"
#define RESV_KEY_TABLES     "resv:{%.*s}:tables"
#define RESV_KEY_LOOKUP     "resv:{%.*s}:lookup" /* number, external id, phone -> ids */
#define RESV_KEY_HISTORY    "resv:{%.*s}:h:%.*s" /* store, reservation */
#define RESV_KEY_MSG_PREFIX "resv:{%.*s}:msg:"   /* then the MSGID's bytes, any bytes */
#define RESV_KEY_CHANGES    "resv:{%.*s}:changes"
#define RESV_KEY_OUTBOX     "resv:{%.*s}:outbox"
#define RESV_KEY_FAILURES   "resv:{%.*s}:failures"
#define RESV_KEY_OWNER      "resv:owner:{%.*s}"      /* reservation */
#define RESV_KEY_LEASE      "resv:{%.*s}:lease:%.*s" /* store, lease name (RESV.LEASE) */
/* The store's settings (resv_settings.h), read by every write: copied from its pieces. */
#define RESV_KEY_SETTINGS_TAIL "}:settings"
#define RESV_KEY_SETTINGS      RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_SETTINGS_TAIL
/* The floor (resv_floor.h): the inventory (table -> "seats|joins|area"), one sorted set
 * of holds per table (reservation by start instant), and what each reservation holds
 * (reservation -> "start|end|table_number"). */
#define RESV_KEY_FLOOR_TAIL "}:floor"
#define RESV_KEY_HOLD_SEP   "}:hold:"
#define RESV_KEY_HELD_TAIL  "}:held"
#define RESV_KEY_FLOOR      RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_FLOOR_TAIL
#define RESV_KEY_HOLD       RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_HOLD_SEP "%.*s" /* store, table */
#define RESV_KEY_HELD       RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_HELD_TAIL
/* A day's load: the covers and parties that pacing counts, per start minute (field
 * "HH:MM" -> "<covers>|<parties>", resv_floor.h), kept beside the day's partitions. */
#define RESV_KEY_LOAD RESV_KEY_STORE_OPEN "%.*s" RESV_KEY_LOAD_SEP "%.*s" /* store, day */
/* The walk-in waitlist: a stream, one entry per party waiting (its id is the entry). */
#define RESV_KEY_WAIT      "resv:{%.*s}:wait"
#define RESV_WAIT_NAME     "name"
#define RESV_WAIT_PHONE    "phone"
#define RESV_WAIT_PARTY    "party"
#define RESV_WAIT_ADDED_AT "added_at"
/* A walk-in's reservation_id prefix (then the entry id); its source, audit origin and
 * event are the origin walk_in (resv_model.h). */
#define RESV_WALK_IN_PREFIX "walkin-"
/* A store gave up a reservation id it had claimed but never created (RESV.DISOWN, on a
 * cluster): it may not create it while this key lives. */
#define RESV_KEY_DISOWNED "resv:{%.*s}:disowned:%.*s" /* store, reservation */
/* Never written: two names in the slot of a store (or of a reservation's owner key) that
 * a cluster node is asked for, to learn whether it may serve that slot now (see
 * resvClusterSettled in the module). n is 1 or 2. */
#define RESV_KEY_PROBE "resv:{%.*s}:probe:%d" /* store or reservation, n */
/* Every system key has the tag {#sys}: on a cluster all systems and their list share one
 * slot (4607), so the list sees every system. No id can hold '#', so no store's keys share
 * this name space. */
#define RESV_SYS_TAG        "#sys"
#define RESV_KEY_SYSTEM     "resv:{" RESV_SYS_TAG "}:s:%.*s" /* system */
#define RESV_KEY_SYSTEM_ALL "resv:{" RESV_SYS_TAG "}:all"

/* The id in key of a one-id format (RESV_KEY_OUTBOX: the store): 1 with *id and
 * *idlen pointing into key when key has that form, else 0. For the module's gauges,
 * which learn of writes by key name. */
int resvKeyMatch(const char *format, const char *key, size_t len, const char **id, size_t *idlen);

/* Fields of a change feed entry (resv:{S}:changes), read by the sidecar's /events. */
#define RESV_FEED_RESERVATION_ID "reservation_id"
#define RESV_FEED_EVENT          "event"
#define RESV_FEED_STATUS         "status"
#define RESV_FEED_AT             "at"
/* The feed event of a provider's booking stored over the floor's limits, and its
 * reason: the words our API would have refused it with (a table held, the pacing...). */
#define RESV_FEED_OVERBOOKED "overbooked"
#define RESV_FEED_REASON     "reason"
#define RESV_FEED_REASON_MAX 512

/* Fields of a push outbox entry (resv:{S}:outbox), as RESV.OUTBOX replies them; all
 * always present, "" when unset. */
#define RESV_OUTBOX_RESERVATION_ID "reservation_id"
#define RESV_OUTBOX_EXTERNAL_ID    "external_id"
#define RESV_OUTBOX_STATUS         "status"
#define RESV_OUTBOX_ARRIVAL_TIME   "arrival_time"
#define RESV_OUTBOX_TABLE_NUMBER   "table_number"
#define RESV_OUTBOX_CHANGED_AT     "changed_at"

/* Lease names of a store's background work (RESV.LEASE): its outbox, and the scheduled
 * pull of one of its systems (the prefix, then the system id). */
#define RESV_LEASE_PUSH        "push"
#define RESV_LEASE_PULL_PREFIX "pull:"

/* RESV.UPSERT's CONFLICT for an id of another store: "reservation_id <id> belongs to
 * store <store>" (the module, and the sidecar's cluster routing in the same words). The
 * sidecar names <store> only to a caller allowed on it. */
#define RESV_OWNER_CONFLICT_ID    "reservation_id "
#define RESV_OWNER_CONFLICT_STORE " belongs to store "

/* What RESV.UPSERT did, and the word it replies. */
typedef enum {
    RESV_UPSERT_CREATED,
    RESV_UPSERT_UPDATED,
    RESV_UPSERT_UNCHANGED,
    RESV_UPSERT_STALE,     /* updated_at older than the stored one: nothing changed */
    RESV_UPSERT_DUPLICATE, /* the MSGID was applied before: nothing changed */
    RESV_UPSERT_COUNT
} resvUpsertResult;

/* The store of a settings key name (RESV_KEY_SETTINGS): 0 with *store and *sl pointing
 * into key, -1 when key is not one. */
int resvKeySettingsStore(const char *key, size_t len, const char **store, size_t *sl);

const char *resvUpsertResultName(resvUpsertResult r);
/* The result a reply word names; -1 when it names none. */
int resvUpsertResultParse(const char *s, size_t len, resvUpsertResult *out);

#endif

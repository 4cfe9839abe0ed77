/* Internal interface of the resv module: configuration, counters, errors, key names,
 * reading records and the one set of write helpers. The rules themselves (fields,
 * statuses, dates) live in include/ and know nothing of Redis. */
#ifndef RESV_H
#define RESV_H

#include <stddef.h>

#include "redismodule.h"
#include "resv_floor.h"
#include "resv_find.h"
#include "resv_history.h"
#include "resv_keys.h"
#include "resv_model.h"
#include "resv_settings.h"
#include "resv_time.h"
#include "resv_tz.h"

/* ---- configuration (module configs, see resv.c) ---- */
typedef struct {
    long long listDefaultLimit;
    long long listMaxLimit;
    long long historyMaxLen;
    long long msgidTtl;
    long long noshowIntervalMs; /* resv.noshow-interval-ms: how often no-shows are swept */
    long long testClock;        /* resv.test-clock: UTC seconds that stand for now; 0: real */
} resvConfig;
extern resvConfig resvCfg;

/* ---- counters shown by INFO resv ---- */
typedef struct {
    unsigned long long upsertCreated, upsertUpdated, upsertUnchanged, upsertStale;
    unsigned long long upsertDuplicate, statusChanges, deletes, errors;
    unsigned long long pushQueued, pushedOk, pushedFailed, resyncs;
    unsigned long long noShowsAuto, noShowSweeps;
} resvCounters;
extern resvCounters resvStats;

/* ---- gauges of INFO resv, kept from keyspace events (resv_gauges.c) ---- */
int resvGaugesInit(RedisModuleCtx *ctx);
void resvGaugesInfo(RedisModuleInfoCtx *ctx);

/* ---- errors: the one place that turns a code into a reply (resv.c) ---- */
typedef enum { RESV_E_ERR, RESV_E_NOTFOUND, RESV_E_CONFLICT, RESV_E_WRONGTYPE } resvErrCode;
int resvReplyError(RedisModuleCtx *ctx, resvErrCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int resvReplyWrongArity(RedisModuleCtx *ctx);
int resvReplyWrongType(RedisModuleCtx *ctx, RedisModuleString *keyname);

/* ---- small helpers on arguments and values (resv_store.c) ---- */
typedef struct {
    const char *v;
    size_t len;
} resvSpan;
/* A string's bytes; "" (length 0) for NULL, an unset field. */
resvSpan resvSpanOf(RedisModuleString *s);
/* The status stored in a record: pending when unset or not a status. */
resvStatus resvStoredStatus(RedisModuleString *s);
/* Exact case-insensitive keyword match. */
int resvArgIs(RedisModuleString *arg, const char *keyword);
/* An id argument (store, reservation, system, table): ERR reply and -1 when invalid. */
int resvArgId(RedisModuleCtx *ctx, RedisModuleString *arg, const char *what, const char **s,
              size_t *len);
/* Replies "ERR syntax error at '<arg>'" (the first 64 bytes); returns REDISMODULE_OK. */
int resvReplySyntaxError(RedisModuleCtx *ctx, RedisModuleString *arg);
/* A last word of a "word value" list that has no value after it: when it is no keyword
 * of the command (`words`, NULL-terminated, or a field of `fields` when not NULL) the
 * syntax error at it, as for any unknown word; a keyword without its value is the
 * arity error, as Redis answers a missing argument. Always replies. */
int resvReplyLoneWord(RedisModuleCtx *ctx, RedisModuleString *arg, const char *const *words,
                      const resvFieldSpec *fields, int nfields);
/* Arity of a command of `fixed` arguments and an optional `keyword value` pair (NULL:
 * none), as RESV.HISTORY store id [COUNT n]: 0 when it fits, else -1 after the reply:
 * too few arguments or a keyword without its value is the arity error, any other word
 * past the fixed ones the syntax error at it. */
int resvArgsFixed(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int fixed,
                  const char *keyword);
/* A FROM/TO argument: a datetime, or a date as its first (endOfDay 0) or last second.
 * -1 after the error reply. */
int resvArgInstant(RedisModuleCtx *ctx, RedisModuleString *arg, const char *what, int endOfDay,
                   resvInstant *out);
/* A whole number in [lo, hi]: ERR reply naming `what` and -1 otherwise. */
int resvArgRange(RedisModuleCtx *ctx, RedisModuleString *arg, const char *what, long long lo,
                 long long hi, long long *out);
/* A new lowercase uuid. */
void resvNewUuid(char buf[37]);
int resvIsCluster(RedisModuleCtx *ctx);
/* On a cluster: 0 when this node may serve the slot of tag (a store, or a reservation id
 * for its owner key) to this client now; 1 after a TRYAGAIN (the slot is being imported
 * here: its keys are split between two nodes until it is handed over) or CLUSTERDOWN
 * reply. Always 0 on a single server. */
int resvClusterSettled(RedisModuleCtx *ctx, RedisModuleString *tag);

/* ---- key names (keys.md) ---- */
RedisModuleString *resvKeyRecord(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r,
                                 size_t rl);
/* A key name from its pieces (resv_keys.h spells each), copied together: a format costs
 * about 2,200 instructions a name, which the hot paths pay per record or table. */
RedisModuleString *resvKeyJoin(RedisModuleCtx *ctx, const resvSpan *parts, int n);
#define RESV_SPAN(lit) lit, sizeof(lit) - 1 /* a piece that is a string literal */
/* The index (keys.md): resv:{S}:i:<status>:<YYYY-MM-DD>, one sorted set per status and
 * day of the start instant, and resv:{S}:days, the days that have reservations. */
RedisModuleString *resvKeyPartition(RedisModuleCtx *ctx, const char *s, size_t sl,
                                    resvStatus status, const char *day);
RedisModuleString *resvKeyDays(RedisModuleCtx *ctx, const char *s, size_t sl);
/* A day's load beside its partitions: resv:{S}:load:<YYYY-MM-DD> (resv_load.c). */
RedisModuleString *resvKeyLoad(RedisModuleCtx *ctx, const char *s, size_t sl, const char *day);
RedisModuleString *resvKeyTables(RedisModuleCtx *ctx, const char *s, size_t sl);
RedisModuleString *resvKeyLookup(RedisModuleCtx *ctx, const char *s, size_t sl);
RedisModuleString *resvKeyHistory(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r,
                                  size_t rl);
RedisModuleString *resvKeyMsg(RedisModuleCtx *ctx, const char *s, size_t sl, const char *m,
                              size_t ml);
RedisModuleString *resvKeyChanges(RedisModuleCtx *ctx, const char *s, size_t sl);
RedisModuleString *resvKeyOutbox(RedisModuleCtx *ctx, const char *s, size_t sl);
RedisModuleString *resvKeyFailures(RedisModuleCtx *ctx, const char *s, size_t sl);
RedisModuleString *resvKeyOwner(RedisModuleCtx *ctx, const char *r, size_t rl);
RedisModuleString *resvKeyDisowned(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r,
                                   size_t rl);
/* How long a store that gave up an id (RESV.DISOWN) may not create it: longer than any
 * command of the store's earlier claim can still be under way. */
#define RESV_DISOWN_MS 300000
/* resv:{#sys}:s:<Y> and resv:{#sys}:all: one slot for all systems (keys.md). */
RedisModuleString *resvKeySystem(RedisModuleCtx *ctx, const char *y, size_t yl);
RedisModuleString *resvKeySystemAll(RedisModuleCtx *ctx);

/* ---- reading (low-level key API) ---- */
/* The reader of records for writes, STATS and TABLES, and of systems (RESV.GET and
 * LIST pass HGETALL's reply on instead, resv_query.c): the fields of `specs` from hash
 * `keyname` into out[] (NULL when unset), in one pass over the hash; fields of the hash
 * that are not in `specs` are ignored. Returns 1 when the hash exists, 0 when not, -1 when the
 * key is of another type. */
int resvHashRead(RedisModuleCtx *ctx, RedisModuleString *keyname, const resvFieldSpec *specs,
                 int count, RedisModuleString **out);
/* One field of a hash (NULL when absent); -1 on a key of another type. */
int resvHashGetOne(RedisModuleCtx *ctx, RedisModuleString *keyname, resvSpan field,
                   RedisModuleString **out);
/* A string key's value (NULL when absent); -1 on a key of another type. */
int resvStringGet(RedisModuleCtx *ctx, RedisModuleString *keyname, RedisModuleString **out);
/* The key's REDISMODULE_KEYTYPE_*, EMPTY when it does not exist. */
int resvKeyType(RedisModuleCtx *ctx, RedisModuleString *keyname);
/* 1 when the key exists. */
int resvKeyExists(RedisModuleCtx *ctx, RedisModuleString *keyname);
/* 0 when the key is empty or of `type`; otherwise a WRONGTYPE reply and -1. */
int resvKeyCheckType(RedisModuleCtx *ctx, RedisModuleString *keyname, int type);
/* Members of a hash (field, value) or set (field, NULL), copied out with ScanKey
 * (resv_query.c). */
typedef struct {
    RedisModuleCtx *ctx;
    RedisModuleString **f, **v;
    size_t n, cap;
} resvScan;
/* Collects; -1 when the key is neither empty nor of wantType. Free with resvScanFree. */
int resvScanCollect(RedisModuleCtx *ctx, RedisModuleString *keyname, int wantType, resvScan *q);
void resvScanSort(resvScan *q); /* by field, byte order */
void resvScanFree(resvScan *q);
/* A map key or other constant name, as a bulk string. */
int resvReplyName(RedisModuleCtx *ctx, const char *name);
/* Replies record `rkey` as RESV.GET does (one HGETALL passed on when the record is in
 * model order, resv_query.c): 1 when replied, 0 when there is no record, -1 when the key
 * is of another type (nothing replied in either case). */
int resvReplyRecord(RedisModuleCtx *ctx, RedisModuleString *rkey);
/* Replies the set fields as a map, in table order. */
void resvReplyFields(RedisModuleCtx *ctx, const resvFieldSpec *specs, int count,
                     RedisModuleString **vals);
int resvStrEq(RedisModuleString *a, const char *b, size_t bl);

/* ---- the write helpers: every write goes through resvWrite, as a plain command with
 * explicit values, so that replicas and the AOF see exactly what the master did. ---- */
#ifndef RESV_ARGV_MAX
#define RESV_ARGV_MAX 72
#endif
/* The largest write is an HSET of a key and every field of a model with its value (a
 * reservation, a system): a field added to the model that would not fit fails the
 * build, never a write. */
_Static_assert(1 + 2 * RESV_F_COUNT <= RESV_ARGV_MAX,
               "RESV_ARGV_MAX: an HSET of every reservation field must fit resvArgv");
_Static_assert(1 + 2 * RESV_SF_COUNT <= RESV_ARGV_MAX,
               "RESV_ARGV_MAX: an HSET of every system field must fit resvArgv");
/* An argument past RESV_ARGV_MAX is never dropped: it marks the argv overflowed, and
 * resvWrite refuses to send it, logging why (resvApplyChange checks before its first
 * write, so nothing is half written). */
typedef struct {
    RedisModuleString *v[RESV_ARGV_MAX];
    size_t n;
    int overflow;
} resvArgv;
void resvArgvAdd(RedisModuleCtx *ctx, resvArgv *a, const char *s, size_t len);
void resvArgvAddC(RedisModuleCtx *ctx, resvArgv *a, const char *s);
void resvArgvAddStr(resvArgv *a, RedisModuleString *s);
int resvWrite(RedisModuleCtx *ctx, const char *cmd, resvArgv *a);
int resvWriteKeyMember(RedisModuleCtx *ctx, const char *cmd, RedisModuleString *key, const char *m,
                       size_t ml);
int resvWriteZadd(RedisModuleCtx *ctx, RedisModuleString *key, resvInstant score, const char *m,
                  size_t ml);
int resvWriteDel(RedisModuleCtx *ctx, RedisModuleString *key);
/* Appends an entry to the store's change feed resv:{S}:changes (keys.md), with a
 * reason when it is not NULL. */
int resvWriteFeed(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl,
                  const char *event, resvStatus status, const char *now, const char *reason);

/* ---- the index (resv_store.c) ---- */
/* Where a reservation sits in the index: its status and start instant. */
typedef struct {
    resvStatus status;
    resvInstant score;
} resvIndexPos;
/* WRONGTYPE reply and -1 when a key that moving a reservation from `from` to `to` (NULL:
 * not indexed before / any more) would write holds another type; call before writing. */
int resvIndexCheckType(RedisModuleCtx *ctx, const char *s, size_t sl, const resvIndexPos *from,
                       const resvIndexPos *to);
/* Moves member r between partitions (ZREM old, ZADD new) and keeps the days list exact:
 * a day is added with its first member and removed with its last. Nothing when status
 * and start did not change. */
int resvIndexUpdate(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl,
                    const resvIndexPos *from, const resvIndexPos *to);

/* ---- a day's load: covers and parties per start minute (resv_load.c, keys.md) ---- */
/* A reservation's part in the load of its start instant's day: counted (a status that
 * pacing counts) with its start and party, or nothing. */
typedef struct {
    int counted;
    resvInstant start;
    long party;
} resvLoadPos;
/* WRONGTYPE reply and -1 when the write changes the load and the load key of from's or
 * to's day holds another type; call before writing. */
int resvLoadCheckType(RedisModuleCtx *ctx, resvSpan store, const resvLoadPos *from,
                      const resvLoadPos *to);
/* Moves a reservation's part from `from` to `to` (either not counted: it left or
 * joined), after the record and its partitions were written: the fields it touches are
 * read on the master and written back as values (HSET, or HDEL when a minute empties).
 * A day without a load key (written before the load existed) or with a value not ours
 * is rebuilt whole from its partitions and records as they are now. */
int resvLoadUpdate(RedisModuleCtx *ctx, resvSpan store, const resvLoadPos *from,
                   const resvLoadPos *to);
/* Covers and parties of the counted reservations starting in each of n slots of
 * `slotSecs` from lo (all in lo's day); covers[]/parties[] are zeroed first. From the
 * day's load key, or from the day's partitions and records when it has none. -1 after a
 * WRONGTYPE reply. */
int resvFloorCount(RedisModuleCtx *ctx, resvSpan store, resvInstant lo, resvInstant slotSecs, int n,
                   long *covers, long *parties);

/* ---- the lookup index resv:{S}:lookup (resv_store.c, keys.md) ---- */
/* The looked-up fields of a reservation (resvFindFields order); len 0: unset. */
typedef struct {
    resvSpan v[RESV_FIND_COUNT];
} resvLookupVals;
void resvLookupValsOf(RedisModuleString **rec, resvLookupVals *out);
/* WRONGTYPE reply and -1 when the lookup hash holds another type; call before writing. */
int resvLookupCheckType(RedisModuleCtx *ctx, const char *s, size_t sl);
/* Moves reservation r between the lookup fields of `from` and `to` (NULL: not indexed
 * before / any more): out of the id list of each field it left, into the list of each
 * field it joined. Nothing for a field whose hash field did not change. */
int resvLookupUpdate(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl,
                     const resvLookupVals *from, const resvLookupVals *to);

/* ---- applying a reservation change (resv_store.c) ---- */
typedef struct {
    resvSpan store, id;
    int creating;
    int set[RESV_F_COUNT]; /* fields to HSET */
    resvSpan val[RESV_F_COUNT];
    int unset[RESV_F_COUNT]; /* fields to HDEL */
    int hadIndex;            /* the record existed: old score/status are meaningful */
    resvInstant oldScore, newScore;
    resvStatus oldStatus, newStatus;
    resvLookupVals lookupWas; /* the looked-up fields as stored (hadIndex) */
    resvSpan partyWas;        /* customer_count as stored (hadIndex) */
    resvSpan releaseTable;    /* table_number to leave in the tables hash (len 0: none) */
    resvSpan takeTable;       /* table_number to hold there (len 0: none); resvSeatedWrite */
    /* holds over time (resv_tables.c): what it holds now goes, then the new one */
    resvSpan holdDrop; /* table_number held now (len 0: none) */
    resvSpan holdTake; /* table_number to hold over [holdStart, holdEnd) (len 0: none) */
    resvInstant holdStart, holdEnd;
    int overbookedEvent; /* a change feed entry "overbooked" after the change's own */
    char overbookedReason[RESV_FEED_REASON_MAX]; /* its reason (the refusal's words) */
    int setOwner;
    /* audit entry */
    const char *origin, *actor, *event;
    const char *feedEvent; /* NULL: no change feed entry (push bookkeeping) */
    size_t actorLen, eventLen;
    char changed[1024];
    const char *note; /* "ignored status X" or NULL */
    char noteText[32];
    RedisModuleString *payload;
    RedisModuleString *msgid;
    int historyOnly; /* only the audit entry (an ignored provider status) */
    /* push to the provider: an outbox entry with the status after the change */
    int push;
    resvSpan pushExternal, pushArrival, pushTable;
    char now[RESV_DATETIME_LEN + 1];
} resvChange;

int resvApplyChange(RedisModuleCtx *ctx, resvChange *c);
/* 1 when the change creates the reservation or writes a looked-up field: the lookup
 * index moves, and its key must be checked before writing. */
int resvChangeMovesLookup(const resvChange *c);
/* Appends a field name to the audit entry's comma-separated `changed` list. */
void resvChangeNote(resvChange *c, const char *name);
/* The reservation's part in its day's load before (was) and after (now) the change. */
void resvChangeLoad(const resvChange *c, resvLoadPos *was, resvLoadPos *now);

/* ---- the floor: inventory, holds over time, pacing (resv_tables.c) ---- */
RedisModuleString *resvKeyFloor(RedisModuleCtx *ctx, const char *s, size_t sl);
RedisModuleString *resvKeyHold(RedisModuleCtx *ctx, const char *s, size_t sl, const char *t,
                               size_t tl);
RedisModuleString *resvKeyHeld(RedisModuleCtx *ctx, const char *s, size_t sl);
/* The store's settings the floor reads (resv_settings.h): the one place to read them. */
int resvFloorTurnMinutes(RedisModuleCtx *ctx, resvSpan store);
int resvFloorSlotMinutes(RedisModuleCtx *ctx, resvSpan store);
void resvFloorPacing(RedisModuleCtx *ctx, resvSpan store, long *maxCovers, long *maxParties);
/* The store's wall clock now, as an instant. */
resvInstant resvFloorNow(RedisModuleCtx *ctx, resvSpan store);
/* 1 when the store has a table inventory, 0 when not; -1 after a WRONGTYPE reply. */
int resvFloorExists(RedisModuleCtx *ctx, resvSpan store);
/* A table of the inventory: 1 and *out (pointing into a string of ctx), 0 when it is not
 * in the inventory; -1 after a WRONGTYPE reply. */
int resvFloorTable(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvTableSpec *out);
/* What reservation r holds: 1 with its window and table_number, 0 nothing; -1 after a
 * WRONGTYPE reply. */
int resvHeldRead(RedisModuleCtx *ctx, resvSpan store, resvSpan r, resvInstant *start,
                 resvInstant *end, resvSpan *table);
/* The first reservation other than self whose hold of one table overlaps [start, end):
 * 1 with *holder and its window, 0 none; -1 after a WRONGTYPE reply. Here and in
 * resvHoldWindows a seated party's window covers at least [now, now + slot_minutes). */
int resvHoldOverlap(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvInstant start,
                    resvInstant end, resvSpan self, RedisModuleString **holder, resvInstant *hs,
                    resvInstant *he);
/* 0 when the hold keys of table_number's tables are sorted sets or absent; -1 after a
 * WRONGTYPE reply. */
int resvHoldCheckType(RedisModuleCtx *ctx, resvSpan store, resvSpan tableNumber);
/* The holds of one table, by start: their windows. */
#define RESV_HOLD_LIST_MAX 256 /* holds of one table looked at by one command */
typedef struct {
    resvInstant s[RESV_HOLD_LIST_MAX], e[RESV_HOLD_LIST_MAX];
    int n;
} resvHoldList;
/* The holds starting in [lo, hi) of each of nt tables (up to RESV_HOLD_LIST_MAX each)
 * into out[i]: each table's set read once, and the held hash opened once for all their
 * ends. 0, or -1 after a WRONGTYPE reply. */
int resvHoldWindows(RedisModuleCtx *ctx, resvSpan store, RedisModuleString **tables, size_t nt,
                    resvInstant lo, resvInstant hi, resvHoldList *out);
/* The inventory, sorted by table: names in q->f, specs[] decoded (a value not ours
 * counts as 0 seats). Returns the count, -1 after a WRONGTYPE reply. Free with
 * resvScanFree; specs is pool memory of ctx. */
int resvFloorInventory(RedisModuleCtx *ctx, resvSpan store, resvScan *q, resvTableSpec **specs);
/* The seated-table hash (table -> seated reservation), one field per table of a join:
 * reservation r leaves the tables of `release` it holds there, but those of `take`,
 * and holds every table of `take`. Writes only what changes; the hash's type was
 * checked. */
int resvSeatedWrite(RedisModuleCtx *ctx, resvSpan store, resvSpan r, resvSpan release,
                    resvSpan take);
/* Writes: reservation r stops holding `drop` (len 0: nothing) and holds `take` over
 * [start, end) (len 0: nothing). */
int resvHoldWrite(RedisModuleCtx *ctx, resvSpan store, resvSpan r, resvSpan drop, resvSpan take,
                  resvInstant start, resvInstant end);

/* ---- the push outbox (resv_outbox.c) ---- */
/* Queues the change for the provider: sync_status pending, and an outbox entry with the
 * reservation's external id, status, arrival_time and table_number after the change
 * (the values set by the change, else the stored ones in old[]). */
void resvChangeQueuePush(resvChange *c, RedisModuleString **old);

/* ---- a store's settings and clock (resv_store_settings.c) ---- */
/* Every time the module stamps on a store's data (created_at, updated_at, synced_at, a
 * default arrival_time, audit and change feed times) is that store's wall clock:
 * resvStoreNow. Data of no store (the integration systems) takes the clock of
 * resv.default-timezone: resvNow. Never the server's TZ. */
typedef struct {
    const resvTz *tz;            /* the store's zone, or resv.default-timezone's */
    RedisModuleString *zoneName; /* its name */
    long num[RESV_ST_COUNT];     /* numeric settings (their defaults when unset) */
} resvStoreSettings;
int resvSettingsRegisterConfigs(RedisModuleCtx *ctx);
/* The zone of an IANA name, read from tzdata on first use and kept; NULL and *why. */
const resvTz *resvZoneLoad(const char *name, size_t len, const char **why);
/* UTC seconds now (resv.test-clock when set), and a zone's wall clock at an instant. */
int64_t resvUtcNow(void);
resvInstant resvZoneWall(const resvTz *tz, int64_t utc);
RedisModuleString *resvKeySettings(RedisModuleCtx *ctx, const char *s, size_t sl);
/* The settings as they take effect. 1: the store has a settings hash, 0: none (all
 * defaults), -1: the key holds another type (all defaults). */
int resvStoreSettingsRead(RedisModuleCtx *ctx, const char *s, size_t sl, resvStoreSettings *out);
/* Every command that reads a setting (the readers below, resvFloor*) checks this with
 * its other keys: 0 when the settings key is a hash or absent, else a WRONGTYPE reply
 * and -1, so no command takes the defaults for settings it cannot read. */
int resvStoreSettingsCheckType(RedisModuleCtx *ctx, const char *s, size_t sl);
/* The store's zone: one HashGet and a lookup. */
const resvTz *resvStoreZone(RedisModuleCtx *ctx, const char *s, size_t sl);
/* The store's wall clock now, as an instant and (buf not NULL) as text. */
resvInstant resvStoreNow(RedisModuleCtx *ctx, const char *s, size_t sl,
                         char buf[RESV_DATETIME_LEN + 1]);
/* The store's today: the instant of its 00:00:00, and (day not NULL) its date. */
resvInstant resvStoreToday(RedisModuleCtx *ctx, const char *s, size_t sl,
                           char day[RESV_DATE_LEN + 1]);
/* resv.default-timezone's wall clock now as text. */
void resvNow(char buf[RESV_DATETIME_LEN + 1]);

/* ---- no-shows (resv_noshow.c) ---- */
/* Tracks the stores that have settings on this node and arms the sweep timer. */
int resvNoShowStart(RedisModuleCtx *ctx);
/* Set while the sweep runs RESV.STATUS: ORIGIN auto is the module's own. */
extern int resvAutoWriting;
/* Set while RESV.WAIT.SEAT runs RESV.UPSERT: ORIGIN walk_in is the waitlist's own. */
extern int resvWalkInWriting;

/* ---- command handlers ---- */
int ResvUpsert_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvGet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvList_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvStatus_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvStats_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvFind_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvTables_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvTableSet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvTableDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvAvailability_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvWaitAdd_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvWaitList_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvWaitSeat_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvWaitDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvHistory_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvOwner_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvDisown_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvOutbox_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvPushed_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvLease_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvFailures_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvResync_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvStoreSet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvStoreGet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvSystemCreate_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvSystemGet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvSystemList_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvSystemSet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ResvSystemDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

/* ---- command table (resv_cmdinfo.c) ---- */
typedef struct {
    const char *name;
    RedisModuleCmdFunc fn;
    const char *flags;
    int firstkey, lastkey, keystep;
    RedisModuleCommandInfo *info;
} resvCommandDef;
extern const resvCommandDef resvCommands[];
extern const int resvCommandCount;

/* ---- the audit trail resv:{S}:h:R (resv_store.c) ---- */
/* 0 when the key is empty or a list; otherwise a WRONGTYPE reply and -1. */
int resvHistoryCheckType(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl);

#endif

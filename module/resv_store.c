/* Key names, reading records with the low-level key API, and the write helpers.
 * Writes go through RedisModule_Call with "!" so each effect is propagated as a plain
 * command with explicit values (Redis wraps one module command's effects in
 * MULTI/EXEC), never as the module command itself: ids, times and stream ids are
 * computed once, on the master. */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <uuid/uuid.h>

#include "resv.h"

/* ---- arguments ---- */

int resvArgIs(RedisModuleString *arg, const char *keyword) {
    size_t len;
    const char *s = RedisModule_StringPtrLen(arg, &len);
    return len == strlen(keyword) && strncasecmp(s, keyword, len) == 0;
}

int resvStrEq(RedisModuleString *a, const char *b, size_t bl) {
    size_t al;
    const char *s = RedisModule_StringPtrLen(a, &al);
    return al == bl && memcmp(s, b, bl) == 0;
}

resvSpan resvSpanOf(RedisModuleString *s) {
    resvSpan sp = {"", 0};
    if (s) sp.v = RedisModule_StringPtrLen(s, &sp.len);
    return sp;
}

resvStatus resvStoredStatus(RedisModuleString *s) {
    resvStatus st = RESV_S_PENDING;
    resvSpan sp = resvSpanOf(s);
    resvStatusParse(sp.v, sp.len, &st);
    return st;
}

int resvArgId(RedisModuleCtx *ctx, RedisModuleString *arg, const char *what, const char **s,
              size_t *len) {
    *s = RedisModule_StringPtrLen(arg, len);
    if (resvIdValid(*s, *len)) return 0;
    resvReplyError(ctx, RESV_E_ERR,
                   "invalid %s: must be 1 to 128 letters, digits, non-ASCII UTF-8 or - _ . : @",
                   what);
    return -1;
}

int resvReplySyntaxError(RedisModuleCtx *ctx, RedisModuleString *arg) {
    size_t len;
    const char *s = RedisModule_StringPtrLen(arg, &len);
    return resvReplyError(ctx, RESV_E_ERR, "syntax error at '%.*s'", len > 64 ? 64 : (int)len, s);
}

int resvReplyLoneWord(RedisModuleCtx *ctx, RedisModuleString *arg, const char *const *words,
                      const resvFieldSpec *fields, int nfields) {
    size_t len;
    const char *s = RedisModule_StringPtrLen(arg, &len);
    int known = fields && resvFieldLookup(fields, nfields, s, len) >= 0;
    for (int i = 0; words && words[i] && !known; i++)
        known = resvArgIs(arg, words[i]);
    return known ? resvReplyWrongArity(ctx) : resvReplySyntaxError(ctx, arg);
}

int resvArgsFixed(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int fixed,
                  const char *keyword) {
    if (argc < fixed) return resvReplyWrongArity(ctx), -1;
    if (argc == fixed) return 0;
    if (!keyword || !resvArgIs(argv[fixed], keyword))
        return resvReplySyntaxError(ctx, argv[fixed]), -1;
    if (argc == fixed + 1) return resvReplyWrongArity(ctx), -1;
    if (argc > fixed + 2) return resvReplySyntaxError(ctx, argv[fixed + 2]), -1;
    return 0;
}

int resvArgInstant(RedisModuleCtx *ctx, RedisModuleString *arg, const char *what, int endOfDay,
                   resvInstant *out) {
    size_t len;
    const char *s = RedisModule_StringPtrLen(arg, &len);
    if (resvParseDateOrDateTime(s, len, endOfDay, out) == 0) return 0;
    resvReplyError(ctx, RESV_E_ERR, "invalid %s: must be YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD", what);
    return -1;
}

int resvArgRange(RedisModuleCtx *ctx, RedisModuleString *arg, const char *what, long long lo,
                 long long hi, long long *out) {
    long long v;
    if (RedisModule_StringToLongLong(arg, &v) != REDISMODULE_OK || v < lo || v > hi) {
        resvReplyError(ctx, RESV_E_ERR, "invalid %s: must be an integer from %lld to %lld", what,
                       lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

void resvNewUuid(char buf[37]) {
    uuid_t u;
    uuid_generate(u);
    uuid_unparse_lower(u, buf);
}

int resvIsCluster(RedisModuleCtx *ctx) {
    return (RedisModule_GetContextFlags(ctx) & REDISMODULE_CTX_FLAGS_CLUSTER) != 0;
}

/* A per-store command declares the bare store id as its key, which never exists. While
 * the store's slot migrates, Redis therefore sends every such command (ASK) to the
 * importing node, which runs it with ASKING even though most of the store's keys may
 * still be on the other node: an upsert there would create a second copy of a record.
 * The importing node must answer TRYAGAIN until the slot is handed over. Redis's own
 * rule tells which node this is: a RedisModule_Call on two keys of the slot that never
 * exist is refused (TRYAGAIN, for keys missing on an importing node) there, and allowed
 * on the slot's master; RedisModule_Call copies the client's ASKING and READONLY flags,
 * and skips the check for our master's replication stream and the AOF. */
int resvClusterSettled(RedisModuleCtx *ctx, RedisModuleString *tag) {
    if (!resvIsCluster(ctx)) return 0;
    size_t len;
    const char *t = RedisModule_StringPtrLen(tag, &len);
    /* Not an id (the command refuses it next); its probe would hash elsewhere. */
    if (memchr(t, '{', len) || memchr(t, '}', len)) return 0;
    RedisModuleString *a = RedisModule_CreateStringPrintf(ctx, RESV_KEY_PROBE, (int)len, t, 1);
    RedisModuleString *b = RedisModule_CreateStringPrintf(ctx, RESV_KEY_PROBE, (int)len, t, 2);
    errno = 0;
    if (RedisModule_Call(ctx, "EXISTS", "ss", a, b)) return 0;
    /* A redirection, not an error of ours: not counted in resv_errors. */
    if (errno == ENETDOWN || errno == EROFS)
        RedisModule_ReplyWithError(ctx, "CLUSTERDOWN The cluster is down");
    else
        RedisModule_ReplyWithError(ctx, "TRYAGAIN the store's slot is being migrated");
    return 1;
}

/* ---- key names ---- */

/* Key names are copied together from their pieces: a format (vsnprintf) cost about
 * 2,200 instructions a name, more than the rest of RESV.GET's own work, and LIST names
 * a record per item. */
RedisModuleString *resvKeyJoin(RedisModuleCtx *ctx, const resvSpan *parts, int n) {
    char buf[512], *p = buf;
    size_t len = 0;
    buf[0] = '\0'; /* for gcc -O1, which cannot see that the copies fill what is read */
    for (int i = 0; i < n; i++)
        len += parts[i].len;
    if (len > sizeof buf) p = RedisModule_Alloc(len); /* ids from stored data, unchecked */
    size_t at = 0;
    for (int i = 0; i < n; at += parts[i++].len)
        memcpy(p + at, parts[i].v, parts[i].len);
    RedisModuleString *k = RedisModule_CreateString(ctx, p, len);
    if (p != buf) RedisModule_Free(p);
    return k;
}

RedisModuleString *resvKeyRecord(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r,
                                 size_t rl) {
    resvSpan p[] = {
        {RESV_SPAN(RESV_KEY_STORE_OPEN)}, {s, sl}, {RESV_SPAN(RESV_KEY_RECORD_SEP)}, {r, rl}};
    return resvKeyJoin(ctx, p, 4);
}

RedisModuleString *resvKeyPartition(RedisModuleCtx *ctx, const char *s, size_t sl,
                                    resvStatus status, const char *day) {
    const char *st = resvStatusName(status);
    resvSpan p[] = {{RESV_SPAN(RESV_KEY_STORE_OPEN)},
                    {s, sl},
                    {RESV_SPAN(RESV_KEY_PARTITION_SEP)},
                    {st, strlen(st)},
                    {":", 1},
                    {day, RESV_DATE_LEN}};
    return resvKeyJoin(ctx, p, 6);
}

RedisModuleString *resvKeyLoad(RedisModuleCtx *ctx, const char *s, size_t sl, const char *day) {
    resvSpan p[] = {{RESV_SPAN(RESV_KEY_STORE_OPEN)},
                    {s, sl},
                    {RESV_SPAN(RESV_KEY_LOAD_SEP)},
                    {day, RESV_DATE_LEN}};
    return resvKeyJoin(ctx, p, 4);
}

RedisModuleString *resvKeyDays(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_DAYS, (int)sl, s);
}

RedisModuleString *resvKeyTables(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_TABLES, (int)sl, s);
}

RedisModuleString *resvKeyLookup(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_LOOKUP, (int)sl, s);
}

RedisModuleString *resvKeyHistory(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r,
                                  size_t rl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_HISTORY, (int)sl, s, (int)rl, r);
}

RedisModuleString *resvKeyMsg(RedisModuleCtx *ctx, const char *s, size_t sl, const char *m,
                              size_t ml) {
    /* A MSGID may hold any bytes; the key is built from pieces, not a format. */
    RedisModuleString *k = RedisModule_CreateStringPrintf(ctx, RESV_KEY_MSG_PREFIX, (int)sl, s);
    RedisModule_StringAppendBuffer(ctx, k, m, ml);
    return k;
}

RedisModuleString *resvKeyChanges(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_CHANGES, (int)sl, s);
}

RedisModuleString *resvKeyOutbox(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_OUTBOX, (int)sl, s);
}

RedisModuleString *resvKeyFailures(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_FAILURES, (int)sl, s);
}

RedisModuleString *resvKeyOwner(RedisModuleCtx *ctx, const char *r, size_t rl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_OWNER, (int)rl, r);
}

RedisModuleString *resvKeyDisowned(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r,
                                   size_t rl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_DISOWNED, (int)sl, s, (int)rl, r);
}

RedisModuleString *resvKeySystem(RedisModuleCtx *ctx, const char *y, size_t yl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_SYSTEM, (int)yl, y);
}

RedisModuleString *resvKeySystemAll(RedisModuleCtx *ctx) {
    return RedisModule_CreateString(ctx, RESV_KEY_SYSTEM_ALL, sizeof RESV_KEY_SYSTEM_ALL - 1);
}

/* ---- reading ---- */

/* A whole record is read in one pass over the hash (ScanKey walks a listpack once,
 * where a HashGet per field would search it again for every field: 28 searches and
 * allocations). Each wanted field's value is held, not copied; a field outside `specs`
 * (HSET by hand, or not asked for) is skipped. A few fields (STATS wants 2, TABLES 3)
 * are cheaper to look up one by one than to scan the whole record for: ScanKey makes a
 * string of every field and value. */
#define STORE_HASHGET_MAX 4
typedef struct {
    RedisModuleCtx *ctx;
    const resvFieldSpec *specs;
    int count, next;
    RedisModuleString **out;
} storeHashReadState;

static void storeHashReadCb(RedisModuleKey *key, RedisModuleString *field, RedisModuleString *value,
                            void *privdata) {
    (void)key;
    storeHashReadState *st = privdata;
    size_t len;
    const char *name = RedisModule_StringPtrLen(field, &len);
    int i = resvFieldLookupFrom(st->specs, st->count, name, len, st->next);
    if (i < 0) return;
    st->next = i + 1;
    if (value) st->out[i] = RedisModule_HoldString(st->ctx, value);
}

int resvHashRead(RedisModuleCtx *ctx, RedisModuleString *keyname, const resvFieldSpec *specs,
                 int count, RedisModuleString **out) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int type = RedisModule_KeyType(key), rc = 1;
    for (int i = 0; i < count; i++)
        out[i] = NULL;
    if (type == REDISMODULE_KEYTYPE_EMPTY) {
        rc = 0;
    } else if (type != REDISMODULE_KEYTYPE_HASH) {
        rc = -1;
    } else if (count <= STORE_HASHGET_MAX) {
        for (int i = 0; i < count; i++)
            RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS, specs[i].name, &out[i], NULL);
    } else {
        storeHashReadState st = {ctx, specs, count, 0, out};
        RedisModuleScanCursor *cur = RedisModule_ScanCursorCreate();
        while (RedisModule_ScanKey(key, cur, storeHashReadCb, &st)) {
        }
        RedisModule_ScanCursorDestroy(cur);
    }
    RedisModule_CloseKey(key);
    return rc;
}

int resvHashGetOne(RedisModuleCtx *ctx, RedisModuleString *keyname, resvSpan field,
                   RedisModuleString **out) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int type = RedisModule_KeyType(key), rc = 0;
    *out = NULL;
    /* The field by its exact bytes: a table name or id is never cut or NUL-ended. */
    if (type == REDISMODULE_KEYTYPE_HASH)
        RedisModule_HashGet(key, REDISMODULE_HASH_NONE,
                            RedisModule_CreateString(ctx, field.v, field.len), out, NULL);
    else if (type != REDISMODULE_KEYTYPE_EMPTY)
        rc = -1;
    RedisModule_CloseKey(key);
    return rc;
}

int resvStringGet(RedisModuleCtx *ctx, RedisModuleString *keyname, RedisModuleString **out) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int type = RedisModule_KeyType(key), rc = 0;
    *out = NULL;
    if (type == REDISMODULE_KEYTYPE_STRING) {
        size_t len;
        const char *p = RedisModule_StringDMA(key, &len, REDISMODULE_READ);
        *out = RedisModule_CreateString(ctx, p, len);
    } else if (type != REDISMODULE_KEYTYPE_EMPTY) {
        rc = -1;
    }
    RedisModule_CloseKey(key);
    return rc;
}

int resvKeyType(RedisModuleCtx *ctx, RedisModuleString *keyname) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    RedisModule_CloseKey(key);
    return type;
}

int resvKeyExists(RedisModuleCtx *ctx, RedisModuleString *keyname) {
    return resvKeyType(ctx, keyname) != REDISMODULE_KEYTYPE_EMPTY;
}

int resvKeyCheckType(RedisModuleCtx *ctx, RedisModuleString *keyname, int type) {
    int t = resvKeyType(ctx, keyname);
    if (t == REDISMODULE_KEYTYPE_EMPTY || t == type) return 0;
    resvReplyWrongType(ctx, keyname);
    return -1;
}

/* Names go out as bulk strings, as HGETALL sends them: a status reply would be copied
 * and scanned for newlines by Redis, for names that are constants. */
int resvReplyName(RedisModuleCtx *ctx, const char *name) {
    return RedisModule_ReplyWithStringBuffer(ctx, name, strlen(name));
}

void resvReplyFields(RedisModuleCtx *ctx, const resvFieldSpec *specs, int count,
                     RedisModuleString **vals) {
    long n = 0;
    for (int i = 0; i < count; i++)
        n += vals[i] != NULL;
    RedisModule_ReplyWithMap(ctx, n);
    for (int i = 0; i < count; i++) {
        if (!vals[i]) continue;
        resvReplyName(ctx, specs[i].name);
        RedisModule_ReplyWithString(ctx, vals[i]);
    }
}

/* ---- write helpers ---- */

void resvArgvAdd(RedisModuleCtx *ctx, resvArgv *a, const char *s, size_t len) {
    if (a->n < RESV_ARGV_MAX)
        a->v[a->n++] = RedisModule_CreateString(ctx, s, len);
    else
        a->overflow = 1;
}

void resvArgvAddC(RedisModuleCtx *ctx, resvArgv *a, const char *s) {
    resvArgvAdd(ctx, a, s, strlen(s));
}

void resvArgvAddStr(resvArgv *a, RedisModuleString *s) {
    if (a->n < RESV_ARGV_MAX)
        a->v[a->n++] = s;
    else
        a->overflow = 1;
}

/* A command that lost arguments would write something else than asked: never sent. */
static int storeArgvOverflowed(RedisModuleCtx *ctx, const char *cmd, const resvArgv *a) {
    if (!a->overflow) return 0;
    RedisModule_Log(ctx, "warning",
                    "resv: %s needs more than %d arguments (RESV_ARGV_MAX): refused", cmd,
                    RESV_ARGV_MAX);
    return 1;
}

int resvWrite(RedisModuleCtx *ctx, const char *cmd, resvArgv *a) {
    if (storeArgvOverflowed(ctx, cmd, a)) return -1;
    RedisModuleCallReply *r = RedisModule_Call(ctx, cmd, "!v", a->v, a->n);
    if (!r || RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ERROR) {
        size_t len = 0;
        const char *msg = r ? RedisModule_CallReplyStringPtr(r, &len) : "call failed";
        if (!r) len = strlen(msg);
        RedisModule_Log(ctx, "warning", "resv: %s failed: %.*s", cmd, (int)len, msg);
        if (r) RedisModule_FreeCallReply(r);
        return -1;
    }
    RedisModule_FreeCallReply(r);
    return 0;
}

int resvWriteKeyMember(RedisModuleCtx *ctx, const char *cmd, RedisModuleString *key, const char *m,
                       size_t ml) {
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, key);
    resvArgvAdd(ctx, &a, m, ml);
    return resvWrite(ctx, cmd, &a);
}

int resvWriteZadd(RedisModuleCtx *ctx, RedisModuleString *key, resvInstant score, const char *m,
                  size_t ml) {
    char buf[32];
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, key);
    resvArgvAdd(ctx, &a, buf, (size_t)snprintf(buf, sizeof buf, "%lld", (long long)score));
    resvArgvAdd(ctx, &a, m, ml);
    return resvWrite(ctx, "ZADD", &a);
}

int resvWriteDel(RedisModuleCtx *ctx, RedisModuleString *key) {
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, key);
    return resvWrite(ctx, "DEL", &a);
}

static void storeAddPair(RedisModuleCtx *ctx, resvArgv *a, const char *f, const char *v,
                         size_t vl) {
    resvArgvAddC(ctx, a, f);
    resvArgvAdd(ctx, a, v, vl);
}

/* XADD of a change feed entry; the id "*" is replaced by the real id in the propagated
 * command. */
int resvWriteFeed(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl,
                  const char *event, resvStatus status, const char *now, const char *reason) {
    const char *statusName = resvStatusName(status);
    resvArgv f = {.n = 0};
    resvArgvAddStr(&f, resvKeyChanges(ctx, s, sl));
    resvArgvAddC(ctx, &f, "MAXLEN");
    resvArgvAddC(ctx, &f, "~");
    resvArgvAddC(ctx, &f, "10000");
    resvArgvAddC(ctx, &f, "*");
    storeAddPair(ctx, &f, RESV_FEED_RESERVATION_ID, r, rl);
    storeAddPair(ctx, &f, RESV_FEED_EVENT, event, strlen(event));
    storeAddPair(ctx, &f, RESV_FEED_STATUS, statusName, strlen(statusName));
    storeAddPair(ctx, &f, RESV_FEED_AT, now, RESV_DATETIME_LEN);
    if (reason) storeAddPair(ctx, &f, RESV_FEED_REASON, reason, strlen(reason));
    return resvWrite(ctx, "XADD", &f);
}

/* ---- the audit trail: a list, one element per entry (include/resv_history.h) ---- */

int resvHistoryCheckType(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl) {
    return resvKeyCheckType(ctx, resvKeyHistory(ctx, s, sl, r, rl), REDISMODULE_KEYTYPE_LIST);
}

/* One element from the fields of an entry. NULL (logged) when a field other than the
 * payload holds a NUL: the options are validated so that this cannot happen. */
static RedisModuleString *storeHistoryElement(RedisModuleCtx *ctx, const resvHistoryEntry *e) {
    size_t n = resvHistoryEncodedLen(e);
    char *buf = RedisModule_Alloc(n + 1);
    RedisModuleString *el = NULL;
    if (resvHistoryEncode(e, buf) == 0)
        el = RedisModule_CreateString(ctx, buf, n);
    else
        RedisModule_Log(ctx, "warning", "resv: audit entry with a NUL byte outside the payload");
    RedisModule_Free(buf);
    return el;
}

/* RPUSH of the entry, then LTRIM to resv.history-max-len when the list grew past it
 * (so most writes are one command, and the kept length is exact). */
static int storeHistoryAppend(RedisModuleCtx *ctx, RedisModuleString *hkey,
                              const resvHistoryEntry *e) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, hkey, REDISMODULE_READ);
    int type = RedisModule_KeyType(key), rc = 0;
    long long len = type == REDISMODULE_KEYTYPE_LIST ? (long long)RedisModule_ValueLength(key) : 0;
    RedisModule_CloseKey(key);
    if (type != REDISMODULE_KEYTYPE_LIST && type != REDISMODULE_KEYTYPE_EMPTY) {
        RedisModule_Log(ctx, "warning", "resv: an audit trail key holds the wrong kind of value");
        return -1;
    }
    RedisModuleString *el = storeHistoryElement(ctx, e);
    if (!el) return -1;
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, hkey);
    resvArgvAddStr(&a, el);
    rc |= resvWrite(ctx, "RPUSH", &a);
    if (++len > resvCfg.historyMaxLen) {
        char lo[32];
        resvArgv t = {.n = 0};
        resvArgvAddStr(&t, hkey);
        resvArgvAdd(ctx, &t, lo, (size_t)snprintf(lo, sizeof lo, "%lld", -resvCfg.historyMaxLen));
        resvArgvAddC(ctx, &t, "-1");
        rc |= resvWrite(ctx, "LTRIM", &t);
    }
    return rc;
}

/* ---- the index: one sorted set per status and day, and the store's day list ---- */

/* 1 when the index must change: a new or deleted reservation, or a moved status or start. */
static int storeIndexMoves(const resvIndexPos *from, const resvIndexPos *to) {
    return !from || !to || from->status != to->status || from->score != to->score;
}

int resvIndexCheckType(RedisModuleCtx *ctx, const char *s, size_t sl, const resvIndexPos *from,
                       const resvIndexPos *to) {
    if (!storeIndexMoves(from, to)) return 0;
    const resvIndexPos *pos[2] = {from, to};
    char day[RESV_DATE_LEN + 1];
    if (resvKeyCheckType(ctx, resvKeyDays(ctx, s, sl), REDISMODULE_KEYTYPE_ZSET)) return -1;
    for (int i = 0; i < 2; i++) {
        if (!pos[i]) continue;
        resvDayOf(pos[i]->score, day);
        if (resvKeyCheckType(ctx, resvKeyPartition(ctx, s, sl, pos[i]->status, day),
                             REDISMODULE_KEYTYPE_ZSET))
            return -1;
    }
    return 0;
}

/* Length of a key (0 when it does not exist). */
static size_t storeKeyLength(RedisModuleCtx *ctx, RedisModuleString *keyname) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    size_t n =
        RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY ? 0 : RedisModule_ValueLength(key);
    RedisModule_CloseKey(key);
    return n;
}

/* The days list is kept exact from the partitions' lengths after the member moved, as
 * read on the master: replicas and the AOF get the resulting ZADD or ZREM, never a
 * decision of their own. */
int resvIndexUpdate(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl,
                    const resvIndexPos *from, const resvIndexPos *to) {
    if (!storeIndexMoves(from, to)) return 0;
    char oldDay[RESV_DATE_LEN + 1] = "", newDay[RESV_DATE_LEN + 1] = "";
    RedisModuleString *dkey = resvKeyDays(ctx, s, sl), *newKey = NULL;
    int rc = 0;
    if (from) resvDayOf(from->score, oldDay);
    if (to) {
        resvDayOf(to->score, newDay);
        newKey = resvKeyPartition(ctx, s, sl, to->status, newDay);
    }
    int sameDay = from && to && strcmp(oldDay, newDay) == 0;
    if (from && !(sameDay && from->status == to->status))
        rc |= resvWriteKeyMember(ctx, "ZREM", resvKeyPartition(ctx, s, sl, from->status, oldDay), r,
                                 rl);
    if (to) rc |= resvWriteZadd(ctx, newKey, to->score, r, rl);
    if (to && !sameDay) {
        RedisModuleKey *key = RedisModule_OpenKey(ctx, dkey, REDISMODULE_READ);
        RedisModuleString *member = RedisModule_CreateString(ctx, newDay, RESV_DATE_LEN);
        double score;
        int known = RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_ZSET &&
                    RedisModule_ZsetScore(key, member, &score) == REDISMODULE_OK;
        RedisModule_CloseKey(key);
        if (!known) rc |= resvWriteZadd(ctx, dkey, resvDayStart(to->score), newDay, RESV_DATE_LEN);
    }
    if (from && !sameDay) {
        size_t left = 0;
        for (int st = 0; st < RESV_S_COUNT; st++)
            left += storeKeyLength(ctx, resvKeyPartition(ctx, s, sl, (resvStatus)st, oldDay));
        if (!left) rc |= resvWriteKeyMember(ctx, "ZREM", dkey, oldDay, RESV_DATE_LEN);
    }
    return rc;
}

/* ---- the lookup index: one hash per store, field -> the ids holding that value ---- */

void resvLookupValsOf(RedisModuleString **rec, resvLookupVals *out) {
    for (int i = 0; i < RESV_FIND_COUNT; i++)
        out->v[i] = resvSpanOf(rec[resvFindFields[i]]);
}

int resvLookupCheckType(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return resvKeyCheckType(ctx, resvKeyLookup(ctx, s, sl), REDISMODULE_KEYTYPE_HASH);
}

/* Takes r out of (add 0) or puts it into (add 1) the id list of one lookup field: the
 * list is read on the master and its new value queued for one HSET (or its field for one
 * HDEL when the list empties), so replicas and the AOF get the resulting values, never a
 * decision of their own. */
static void storeLookupMove(RedisModuleCtx *ctx, RedisModuleKey *key, const char *field, size_t fl,
                            const char *r, size_t rl, int add, resvArgv *hset, resvArgv *hdel) {
    RedisModuleString *cur = NULL;
    /* field is NUL-terminated and holds no NUL (a phone's digits, or a valid text) */
    if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_HASH)
        RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS, field, &cur, NULL);
    resvSpan list = resvSpanOf(cur);
    char *out = RedisModule_Alloc(list.len + rl + 2);
    size_t n = add ? resvFindListAdd(list.v, list.len, r, rl, out)
                   : resvFindListRemove(list.v, list.len, r, rl, out);
    if (n == list.len && (n == 0 || memcmp(out, list.v, n) == 0)) {
        /* already so: nothing to write */
    } else if (n == 0) {
        resvArgvAdd(ctx, hdel, field, fl);
    } else {
        resvArgvAdd(ctx, hset, field, fl);
        resvArgvAdd(ctx, hset, out, n);
    }
    RedisModule_Free(out);
}

/* One open of the hash for the reads (the type was checked before), then every field
 * that changes in one HDEL and one HSET (a create is one HSET). */
int resvLookupUpdate(RedisModuleCtx *ctx, const char *s, size_t sl, const char *r, size_t rl,
                     const resvLookupVals *from, const resvLookupVals *to) {
    RedisModuleString *lkey = resvKeyLookup(ctx, s, sl);
    resvArgv hset = {.n = 0}, hdel = {.n = 0};
    int rc = 0;
    RedisModuleKey *key = NULL;
    resvArgvAddStr(&hset, lkey);
    resvArgvAddStr(&hdel, lkey);
    for (int i = 0; i < RESV_FIND_COUNT; i++) {
        char was[RESV_FIND_FIELD_MAX + 1], now[RESV_FIND_FIELD_MAX + 1];
        size_t wl = from ? resvFindField(i, from->v[i].v, from->v[i].len, was) : 0;
        size_t nl = to ? resvFindField(i, to->v[i].v, to->v[i].len, now) : 0;
        if (wl == nl && memcmp(was, now, wl) == 0) continue;
        was[wl] = now[nl] = '\0';
        if (!key) key = RedisModule_OpenKey(ctx, lkey, REDISMODULE_READ);
        if (wl) storeLookupMove(ctx, key, was, wl, r, rl, 0, &hset, &hdel);
        if (nl) storeLookupMove(ctx, key, now, nl, r, rl, 1, &hset, &hdel);
    }
    if (key) RedisModule_CloseKey(key);
    if (hdel.n > 1) rc |= resvWrite(ctx, "HDEL", &hdel);
    if (hset.n > 1) rc |= resvWrite(ctx, "HSET", &hset);
    return rc;
}

/* Copied by hand, cut as snprintf would cut: a snprintf per changed field was 16,000
 * instructions of a create's 231,000. */
void resvChangeNote(resvChange *c, const char *name) {
    size_t used = strlen(c->changed), room = sizeof c->changed - 1 - used;
    char *p = c->changed + used;
    if (used && room) *p++ = ',', room--;
    size_t n = strlen(name);
    if (n > room) n = room;
    memcpy(p, name, n);
    p[n] = '\0';
}

void resvChangeLoad(const resvChange *c, resvLoadPos *was, resvLoadPos *now) {
    resvSpan party = c->set[RESV_F_CUSTOMER_COUNT]     ? c->val[RESV_F_CUSTOMER_COUNT]
                     : c->unset[RESV_F_CUSTOMER_COUNT] ? (resvSpan){"", 0}
                                                       : c->partyWas;
    was->counted = c->hadIndex && resvFloorCounts(c->oldStatus);
    was->start = c->oldScore;
    was->party = resvFloorParty(c->partyWas.v, c->partyWas.len);
    now->counted = resvFloorCounts(c->newStatus);
    now->start = c->newScore;
    now->party = resvFloorParty(party.v, party.len);
}

int resvChangeMovesLookup(const resvChange *c) {
    if (!c->hadIndex) return 1;
    for (int i = 0; i < RESV_FIND_COUNT; i++)
        if (c->set[resvFindFields[i]] || c->unset[resvFindFields[i]]) return 1;
    return 0;
}

/* Performs every effect of one reservation change, in a fixed order: record, indexes
 * (partitions, the day's load after them: a rebuild reads them), lookup, tables, holds, owner,
 * audit entry, change feed, push outbox, MSGID. Everything was validated before. */
int resvApplyChange(RedisModuleCtx *ctx, resvChange *c) {
    const char *s = c->store.v, *r = c->id.v;
    size_t sl = c->store.len, rl = c->id.len;
    const char *statusName = resvStatusName(c->newStatus);
    int rc = 0;

    if (!c->historyOnly) {
        resvArgv a = {.n = 0}, d = {.n = 0};
        RedisModuleString *rkey = resvKeyRecord(ctx, s, sl, r, rl);
        resvArgvAddStr(&a, rkey);
        resvArgvAddStr(&d, rkey);
        for (int f = 0; f < RESV_F_COUNT; f++) {
            if (c->set[f]) storeAddPair(ctx, &a, resvFields[f].name, c->val[f].v, c->val[f].len);
            if (c->unset[f]) resvArgvAddC(ctx, &d, resvFields[f].name);
        }
        /* The first writes of a change: refused whole before anything is written. */
        if (storeArgvOverflowed(ctx, "HSET", &a) || storeArgvOverflowed(ctx, "HDEL", &d)) return -1;
        if (a.n > 1) rc |= resvWrite(ctx, "HSET", &a);
        if (d.n > 1) rc |= resvWrite(ctx, "HDEL", &d);

        resvIndexPos from = {c->oldStatus, c->oldScore}, to = {c->newStatus, c->newScore};
        rc |= resvIndexUpdate(ctx, s, sl, r, rl, c->hadIndex ? &from : NULL, &to);
        resvLoadPos loadWas, loadNow;
        resvChangeLoad(c, &loadWas, &loadNow);
        rc |= resvLoadUpdate(ctx, c->store, &loadWas, &loadNow);
        if (resvChangeMovesLookup(c)) {
            resvLookupVals after = c->lookupWas;
            for (int i = 0; i < RESV_FIND_COUNT; i++) {
                int f = resvFindFields[i];
                if (c->set[f]) after.v[i] = c->val[f];
                if (c->unset[f]) after.v[i] = (resvSpan){"", 0};
            }
            rc |= resvLookupUpdate(ctx, s, sl, r, rl, c->hadIndex ? &c->lookupWas : NULL, &after);
        }

        if (c->releaseTable.len || c->takeTable.len)
            rc |= resvSeatedWrite(ctx, c->store, c->id, c->releaseTable, c->takeTable);
        if (c->holdDrop.len || c->holdTake.len)
            rc |= resvHoldWrite(ctx, c->store, c->id, c->holdDrop, c->holdTake, c->holdStart,
                                c->holdEnd);
        if (c->setOwner) {
            resvArgv o = {.n = 0};
            resvArgvAddStr(&o, resvKeyOwner(ctx, r, rl));
            resvArgvAdd(ctx, &o, s, sl);
            rc |= resvWrite(ctx, "SET", &o);
        }
    }

    resvHistoryEntry h = {
        .v = {c->now, c->origin, c->actor, c->event, c->changed, statusName, c->note},
        .len = {RESV_DATETIME_LEN, strlen(c->origin), c->actorLen, c->eventLen, strlen(c->changed),
                strlen(statusName), c->note ? strlen(c->note) : 0},
    };
    if (c->payload) {
        h.v[RESV_H_PAYLOAD] = RedisModule_StringPtrLen(c->payload, &h.len[RESV_H_PAYLOAD]);
        h.hasPayload = 1;
    }
    rc |= storeHistoryAppend(ctx, resvKeyHistory(ctx, s, sl, r, rl), &h);

    if (!c->historyOnly && c->feedEvent)
        rc |= resvWriteFeed(ctx, s, sl, r, rl, c->feedEvent, c->newStatus, c->now, NULL);
    if (!c->historyOnly && c->overbookedEvent)
        rc |= resvWriteFeed(ctx, s, sl, r, rl, RESV_FEED_OVERBOOKED, c->newStatus, c->now,
                            c->overbookedReason);

    /* The outbox is a queue, not a log: never trimmed, entries leave by RESV.PUSHED. */
    if (c->push) {
        resvArgv p = {.n = 0};
        resvArgvAddStr(&p, resvKeyOutbox(ctx, s, sl));
        resvArgvAddC(ctx, &p, "*");
        storeAddPair(ctx, &p, RESV_OUTBOX_RESERVATION_ID, r, rl);
        storeAddPair(ctx, &p, RESV_OUTBOX_EXTERNAL_ID, c->pushExternal.v, c->pushExternal.len);
        storeAddPair(ctx, &p, RESV_OUTBOX_STATUS, statusName, strlen(statusName));
        storeAddPair(ctx, &p, RESV_OUTBOX_ARRIVAL_TIME, c->pushArrival.v, c->pushArrival.len);
        storeAddPair(ctx, &p, RESV_OUTBOX_TABLE_NUMBER, c->pushTable.v, c->pushTable.len);
        storeAddPair(ctx, &p, RESV_OUTBOX_CHANGED_AT, c->now, RESV_DATETIME_LEN);
        rc |= resvWrite(ctx, "XADD", &p);
        resvStats.pushQueued++;
    }

    if (c->msgid) {
        size_t ml;
        const char *m = RedisModule_StringPtrLen(c->msgid, &ml);
        char ttl[32];
        resvArgv a = {.n = 0};
        resvArgvAddStr(&a, resvKeyMsg(ctx, s, sl, m, ml));
        resvArgvAddC(ctx, &a, "1");
        resvArgvAddC(ctx, &a, "PX");
        resvArgvAdd(ctx, &a, ttl,
                    (size_t)snprintf(ttl, sizeof ttl, "%lld", resvCfg.msgidTtl * 1000));
        rc |= resvWrite(ctx, "SET", &a);
    }
    return rc ? -1 : 0;
}

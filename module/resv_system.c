/* The integration systems (seed step 1): RESV.SYSTEM.CREATE/GET/LIST/SET/DEL.
 * A system is a hash resv:{#sys}:s:<Y> with the fields of resvSystemFields, indexed by
 * the set resv:{#sys}:all; the tag puts them all in one cluster slot. */
#include <errno.h>
#include <string.h>

#include "resv.h"

/* The master serving the systems' slot, from CLUSTER SLOTS: "MOVED <slot> host:port"
 * into out, or "TRYAGAIN ..." when that master is this node (the slot is being
 * migrated, and a key of it is on the other side), "CLUSTERDOWN ..." when nobody
 * serves it. */
static void systemRedirectText(RedisModuleCtx *ctx, RedisModuleString *key, char *out,
                               size_t outlen) {
    RedisModuleCallReply *ks = RedisModule_Call(ctx, "CLUSTER", "cs", "KEYSLOT", key);
    RedisModuleCallReply *slots = RedisModule_Call(ctx, "CLUSTER", "c", "SLOTS");
    snprintf(out, outlen, "CLUSTERDOWN Hash slot not served");
    if (!ks || !slots || RedisModule_CallReplyType(slots) != REDISMODULE_REPLY_ARRAY) return;
    long long slot = RedisModule_CallReplyInteger(ks);
    for (size_t i = 0; i < RedisModule_CallReplyLength(slots); i++) {
        RedisModuleCallReply *e = RedisModule_CallReplyArrayElement(slots, i);
        RedisModuleCallReply *node = RedisModule_CallReplyArrayElement(e, 2);
        if (!node || RedisModule_CallReplyLength(node) < 3 ||
            slot < RedisModule_CallReplyInteger(RedisModule_CallReplyArrayElement(e, 0)) ||
            slot > RedisModule_CallReplyInteger(RedisModule_CallReplyArrayElement(e, 1)))
            continue;
        size_t hl, il;
        const char *host =
            RedisModule_CallReplyStringPtr(RedisModule_CallReplyArrayElement(node, 0), &hl);
        long long port = RedisModule_CallReplyInteger(RedisModule_CallReplyArrayElement(node, 1));
        const char *id =
            RedisModule_CallReplyStringPtr(RedisModule_CallReplyArrayElement(node, 2), &il);
        const char *me = RedisModule_GetMyClusterID();
        /* The node id is REDISMODULE_NODE_ID_LEN bytes, not NUL-terminated. */
        if (id && me && il == REDISMODULE_NODE_ID_LEN && memcmp(id, me, il) == 0)
            snprintf(out, outlen, "TRYAGAIN the systems' slot %lld is being migrated", slot);
        else
            snprintf(out, outlen, "MOVED %lld %.*s:%lld", slot, host ? (int)hl : 0,
                     host ? host : "", port);
        return;
    }
}

/* These commands name no key (a system id's own slot is not the systems' slot), so on a
 * cluster Redis runs them wherever they arrive. A node that may not serve the systems'
 * slot to this client answers as Redis does for a key: MOVED to the master that does,
 * which redis-cli -c and cluster clients follow. The test is Redis's own: a
 * RedisModule_Call on keys refuses (EPERM) keys this node must not serve to this
 * client, whose READONLY and ASKING flags it copies. The system's own key, when the
 * command names one (id: the unchecked argument is enough, it only names a key of the
 * slot), is asked too: while the slot is being migrated the list may still be here and
 * the system already gone. Returns 1 after that reply. */
static int systemRedirect(RedisModuleCtx *ctx, RedisModuleString *id) {
    if (!resvIsCluster(ctx)) return 0;
    RedisModuleString *all = resvKeySystemAll(ctx);
    size_t yl = 0;
    const char *y = id ? RedisModule_StringPtrLen(id, &yl) : NULL;
    errno = 0;
    if (y ? RedisModule_Call(ctx, "EXISTS", "ss", all, resvKeySystem(ctx, y, yl))
          : RedisModule_Call(ctx, "EXISTS", "s", all))
        return 0;
    char msg[300];
    if (errno == ENETDOWN || errno == EROFS)
        snprintf(msg, sizeof msg, "CLUSTERDOWN The cluster is down");
    else
        systemRedirectText(ctx, all, msg, sizeof msg);
    /* A redirection, not an error of ours: not counted in resv_errors. */
    RedisModule_ReplyWithError(ctx, msg);
    return 1;
}

/* Parses field/value pairs from argv[first]. `creating` allows `id`, otherwise `id`
 * and `store_id` are refused. Fills vals[]/lens[] (canonical) and given[]. -1 after an
 * error reply. */
static int systemParseFields(RedisModuleCtx *ctx, RedisModuleString **argv, int first, int argc,
                             int creating, resvSpan *vals, int *given,
                             char canon[][RESV_CANON_MAX]) {
    for (int i = first; i < argc; i += 2) {
        if (i + 1 == argc)
            return resvReplyLoneWord(ctx, argv[i], NULL, resvSystemFields, RESV_SF_COUNT), -1;
        size_t nl, vl;
        const char *n = RedisModule_StringPtrLen(argv[i], &nl);
        const char *v = RedisModule_StringPtrLen(argv[i + 1], &vl);
        const char *why;
        int f = resvFieldLookup(resvSystemFields, RESV_SF_COUNT, n, nl);
        if (f < 0)
            return resvReplyError(ctx, RESV_E_ERR, "unknown field '%.*s'", nl > 64 ? 64 : (int)nl,
                                  n),
                   -1;
        if (f == RESV_SF_STORE_ID && !creating)
            return resvReplyError(ctx, RESV_E_ERR, "field 'store_id' cannot be changed"), -1;
        if ((resvSystemFields[f].flags & RESV_FF_SERVER) && !(creating && f == RESV_SF_ID))
            return resvReplyError(ctx, RESV_E_ERR, "field '%s' is set by the server",
                                  resvSystemFields[f].name),
                   -1;
        if (given[f])
            return resvReplyError(ctx, RESV_E_ERR, "field '%s' given twice",
                                  resvSystemFields[f].name),
                   -1;
        if (resvFieldCheck(&resvSystemFields[f], v, vl, canon[f], &vals[f].v, &vals[f].len, &why))
            return resvReplyError(ctx, RESV_E_ERR, "invalid %s: %s", resvSystemFields[f].name, why),
                   -1;
        given[f] = 1;
    }
    return 0;
}

/* HSET of the given fields plus the timestamps. */
static int systemWrite(RedisModuleCtx *ctx, RedisModuleString *key, resvSpan *vals, int *given) {
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, key);
    for (int f = 0; f < RESV_SF_COUNT; f++) {
        if (!given[f]) continue;
        resvArgvAddC(ctx, &a, resvSystemFields[f].name);
        resvArgvAdd(ctx, &a, vals[f].v, vals[f].len);
    }
    return resvWrite(ctx, "HSET", &a);
}

static int systemReplyStored(RedisModuleCtx *ctx, RedisModuleString *key) {
    RedisModuleString *vals[RESV_SF_COUNT];
    if (resvHashRead(ctx, key, resvSystemFields, RESV_SF_COUNT, vals) != 1)
        return RedisModule_ReplyWithNull(ctx);
    resvReplyFields(ctx, resvSystemFields, RESV_SF_COUNT, vals);
    return REDISMODULE_OK;
}

/* RESV.SYSTEM.CREATE field value [field value ...] */
int ResvSystemCreate_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (argc < 2) return resvReplyWrongArity(ctx);
    if (systemRedirect(ctx, NULL)) return REDISMODULE_OK;
    resvSpan vals[RESV_SF_COUNT];
    int given[RESV_SF_COUNT] = {0};
    char canon[RESV_SF_COUNT][RESV_CANON_MAX];
    char uuid[37], now[RESV_DATETIME_LEN + 1];
    if (systemParseFields(ctx, argv, 1, argc, 1, vals, given, canon)) return REDISMODULE_OK;
    if (!given[RESV_SF_STORE_ID]) return resvReplyError(ctx, RESV_E_ERR, "missing store_id");

    if (!given[RESV_SF_ID]) {
        resvNewUuid(uuid);
        vals[RESV_SF_ID] = (resvSpan){uuid, 36};
        given[RESV_SF_ID] = 1;
    }
    RedisModuleString *key = resvKeySystem(ctx, vals[RESV_SF_ID].v, vals[RESV_SF_ID].len);
    RedisModuleString *all = resvKeySystemAll(ctx);
    if (resvKeyCheckType(ctx, all, REDISMODULE_KEYTYPE_SET)) return REDISMODULE_OK;
    if (resvKeyExists(ctx, key))
        return resvReplyError(ctx, RESV_E_CONFLICT, "system %.*s exists", (int)vals[RESV_SF_ID].len,
                              vals[RESV_SF_ID].v);

    resvNow(now);
    if (!given[RESV_SF_STATUS]) vals[RESV_SF_STATUS] = (resvSpan){"inactive", 8};
    vals[RESV_SF_CREATED_AT] = vals[RESV_SF_UPDATED_AT] = (resvSpan){now, RESV_DATETIME_LEN};
    given[RESV_SF_STATUS] = given[RESV_SF_CREATED_AT] = given[RESV_SF_UPDATED_AT] = 1;
    int rc = systemWrite(ctx, key, vals, given);
    rc |= resvWriteKeyMember(ctx, "SADD", all, vals[RESV_SF_ID].v, vals[RESV_SF_ID].len);
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return systemReplyStored(ctx, key);
}

/* RESV.SYSTEM.GET id */
int ResvSystemGet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, NULL)) return REDISMODULE_OK;
    if (systemRedirect(ctx, argv[1])) return REDISMODULE_OK;
    const char *y;
    size_t yl;
    if (resvArgId(ctx, argv[1], "id", &y, &yl)) return REDISMODULE_OK;
    RedisModuleString *key = resvKeySystem(ctx, y, yl), *vals[RESV_SF_COUNT];
    int exists = resvHashRead(ctx, key, resvSystemFields, RESV_SF_COUNT, vals);
    if (exists < 0) return resvReplyWrongType(ctx, key);
    if (!exists) return RedisModule_ReplyWithNull(ctx);
    resvReplyFields(ctx, resvSystemFields, RESV_SF_COUNT, vals);
    return REDISMODULE_OK;
}

/* RESV.SYSTEM.LIST */
int ResvSystemList_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 1, NULL)) return REDISMODULE_OK;
    if (systemRedirect(ctx, NULL)) return REDISMODULE_OK;
    RedisModuleString *all = resvKeySystemAll(ctx);
    resvScan q;
    if (resvScanCollect(ctx, all, REDISMODULE_KEYTYPE_SET, &q)) return resvReplyWrongType(ctx, all);
    resvScanSort(&q);
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    long n = 0;
    for (size_t i = 0; i < q.n; i++) {
        size_t yl;
        const char *y = RedisModule_StringPtrLen(q.f[i], &yl);
        RedisModuleString *vals[RESV_SF_COUNT];
        /* A member whose hash is gone is skipped rather than replied as nil. */
        if (resvHashRead(ctx, resvKeySystem(ctx, y, yl), resvSystemFields, RESV_SF_COUNT, vals) !=
            1)
            continue;
        resvReplyFields(ctx, resvSystemFields, RESV_SF_COUNT, vals);
        n++;
    }
    RedisModule_ReplySetArrayLength(ctx, n);
    resvScanFree(&q);
    return REDISMODULE_OK;
}

/* RESV.SYSTEM.SET id field value [field value ...] */
int ResvSystemSet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (argc < 3) return resvReplyWrongArity(ctx);
    if (systemRedirect(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan vals[RESV_SF_COUNT];
    int given[RESV_SF_COUNT] = {0};
    char canon[RESV_SF_COUNT][RESV_CANON_MAX];
    char now[RESV_DATETIME_LEN + 1];
    const char *y;
    size_t yl;
    if (resvArgId(ctx, argv[1], "id", &y, &yl)) return REDISMODULE_OK;
    if (systemParseFields(ctx, argv, 2, argc, 0, vals, given, canon)) return REDISMODULE_OK;
    RedisModuleString *key = resvKeySystem(ctx, y, yl);
    int type = resvKeyType(ctx, key);
    if (type == REDISMODULE_KEYTYPE_EMPTY)
        return resvReplyError(ctx, RESV_E_NOTFOUND, "system %.*s not found", (int)yl, y);
    if (type != REDISMODULE_KEYTYPE_HASH) return resvReplyWrongType(ctx, key);
    resvNow(now);
    vals[RESV_SF_UPDATED_AT] = (resvSpan){now, RESV_DATETIME_LEN};
    given[RESV_SF_UPDATED_AT] = 1;
    if (systemWrite(ctx, key, vals, given))
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return systemReplyStored(ctx, key);
}

/* RESV.SYSTEM.DEL id */
int ResvSystemDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, NULL)) return REDISMODULE_OK;
    if (systemRedirect(ctx, argv[1])) return REDISMODULE_OK;
    const char *y;
    size_t yl;
    if (resvArgId(ctx, argv[1], "id", &y, &yl)) return REDISMODULE_OK;
    RedisModuleString *key = resvKeySystem(ctx, y, yl);
    int type = resvKeyType(ctx, key);
    if (type == REDISMODULE_KEYTYPE_EMPTY) return RedisModule_ReplyWithLongLong(ctx, 0);
    if (type != REDISMODULE_KEYTYPE_HASH) return resvReplyWrongType(ctx, key);
    if (resvKeyCheckType(ctx, resvKeySystemAll(ctx), REDISMODULE_KEYTYPE_SET))
        return REDISMODULE_OK;
    int rc = resvWriteDel(ctx, key);
    rc |= resvWriteKeyMember(ctx, "SREM", resvKeySystemAll(ctx), y, yl);
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return RedisModule_ReplyWithLongLong(ctx, 1);
}

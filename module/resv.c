/* The resv module: loading, registration of every command, configuration, INFO and
 * the single place where an error code becomes a reply. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resv.h"

resvConfig resvCfg = {100, 1000, 200, 86400, 30000, 0};
resvCounters resvStats;

/* ---- errors ---- */

static const char *resvErrPrefix(resvErrCode code) {
    switch (code) {
    case RESV_E_NOTFOUND: return "NOTFOUND";
    case RESV_E_CONFLICT: return "CONFLICT";
    case RESV_E_WRONGTYPE: return "WRONGTYPE";
    default: return "ERR";
    }
}

/* Messages name user-supplied words; control bytes are replaced so the error stays one
 * line whatever the client sent, and so is every byte that does not start a valid UTF-8
 * sequence (invalid input, or a character cut by the 64-byte quote), so the error is
 * UTF-8 text. Every refused command is counted. */
int resvReplyError(RedisModuleCtx *ctx, resvErrCode code, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    int n = snprintf(msg, sizeof msg, "%s ", resvErrPrefix(code));
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    for (unsigned char *p = (unsigned char *)msg; *p;) {
        size_t len = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        if (*p < 0x20 ||
            (len > 1 && (strnlen((char *)p, len) < len || !resvUtf8Valid((char *)p, len)))) {
            *p++ = '?';
            continue;
        }
        p += len;
    }
    resvStats.errors++;
    return RedisModule_ReplyWithError(ctx, msg);
}

int resvReplyWrongArity(RedisModuleCtx *ctx) {
    resvStats.errors++;
    return RedisModule_WrongArity(ctx);
}

int resvReplyWrongType(RedisModuleCtx *ctx, RedisModuleString *keyname) {
    size_t len;
    const char *k = RedisModule_StringPtrLen(keyname, &len);
    return resvReplyError(ctx, RESV_E_WRONGTYPE, "key %.*s holds the wrong kind of value",
                          (int)(len > 300 ? 300 : len), k);
}

/* ---- configuration ---- */

static long long resvConfigGet(const char *name, void *privdata) {
    (void)name;
    return *(long long *)privdata;
}

static int resvConfigSet(const char *name, long long val, void *privdata, RedisModuleString **err) {
    (void)name;
    (void)err;
    *(long long *)privdata = val;
    return REDISMODULE_OK;
}

static int resvRegisterConfigs(RedisModuleCtx *ctx) {
    struct {
        const char *name;
        long long def, min, max;
        long long *var;
    } cfgs[] = {
        {"list-default-limit", 100, 1, 1000, &resvCfg.listDefaultLimit},
        {"list-max-limit", 1000, 1, 100000, &resvCfg.listMaxLimit},
        {"history-max-len", 200, 1, 100000, &resvCfg.historyMaxLen},
        {"msgid-ttl", 86400, 60, 2592000, &resvCfg.msgidTtl},
        /* at most a minute, so a no-show is marked within a minute of its deadline */
        {"noshow-interval-ms", 30000, 10, 60000, &resvCfg.noshowIntervalMs},
        /* for tests only: UTC seconds that stand for now, up to 9999-12-31 */
        {"test-clock", 0, 0, 253402300799LL, &resvCfg.testClock},
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        if (RedisModule_RegisterNumericConfig(
                ctx, cfgs[i].name, cfgs[i].def, REDISMODULE_CONFIG_DEFAULT, cfgs[i].min,
                cfgs[i].max, resvConfigGet, resvConfigSet, NULL, cfgs[i].var) == REDISMODULE_ERR) {
            RedisModule_Log(ctx, "warning", "resv: cannot register config %s", cfgs[i].name);
            return REDISMODULE_ERR;
        }
    }
    if (resvSettingsRegisterConfigs(ctx) == REDISMODULE_ERR) return REDISMODULE_ERR;
    return RedisModule_LoadConfigs(ctx);
}

/* ---- INFO resv ---- */

static void resvInfo(RedisModuleInfoCtx *ctx, int for_crash_report) {
    (void)for_crash_report;
    RedisModule_InfoAddSection(ctx, "");
    RedisModule_InfoAddFieldULongLong(ctx, "upsert_created", resvStats.upsertCreated);
    RedisModule_InfoAddFieldULongLong(ctx, "upsert_updated", resvStats.upsertUpdated);
    RedisModule_InfoAddFieldULongLong(ctx, "upsert_unchanged", resvStats.upsertUnchanged);
    RedisModule_InfoAddFieldULongLong(ctx, "upsert_stale", resvStats.upsertStale);
    RedisModule_InfoAddFieldULongLong(ctx, "upsert_duplicate", resvStats.upsertDuplicate);
    RedisModule_InfoAddFieldULongLong(ctx, "status_changes", resvStats.statusChanges);
    RedisModule_InfoAddFieldULongLong(ctx, "deletes", resvStats.deletes);
    RedisModule_InfoAddFieldULongLong(ctx, "errors", resvStats.errors);
    RedisModule_InfoAddFieldULongLong(ctx, "push_queued", resvStats.pushQueued);
    RedisModule_InfoAddFieldULongLong(ctx, "pushed_ok", resvStats.pushedOk);
    RedisModule_InfoAddFieldULongLong(ctx, "pushed_failed", resvStats.pushedFailed);
    RedisModule_InfoAddFieldULongLong(ctx, "resyncs", resvStats.resyncs);
    resvGaugesInfo(ctx);
    RedisModule_InfoAddFieldULongLong(ctx, "no_shows_auto", resvStats.noShowsAuto);
    RedisModule_InfoAddFieldULongLong(ctx, "no_show_sweeps", resvStats.noShowSweeps);
}

/* ---- registration ---- */

/* The one checked path for every command: a failure is logged and fails the load. */
static int resvRegister(RedisModuleCtx *ctx, const resvCommandDef *d) {
    RedisModuleCommand *cmd;
    if (RedisModule_CreateCommand(ctx, d->name, d->fn, d->flags, d->firstkey, d->lastkey,
                                  d->keystep) == REDISMODULE_ERR) {
        RedisModule_Log(ctx, "warning", "resv: cannot create command %s", d->name);
        return REDISMODULE_ERR;
    }
    if (!(cmd = RedisModule_GetCommand(ctx, d->name)) ||
        RedisModule_SetCommandInfo(cmd, d->info) == REDISMODULE_ERR) {
        RedisModule_Log(ctx, "warning", "resv: cannot set command info of %s", d->name);
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    (void)argc;
    if (RedisModule_Init(ctx, "resv", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    for (int i = 0; i < resvCommandCount; i++)
        if (resvRegister(ctx, &resvCommands[i]) == REDISMODULE_ERR) return REDISMODULE_ERR;
    if (RedisModule_RegisterInfoFunc(ctx, resvInfo) == REDISMODULE_ERR) return REDISMODULE_ERR;
    if (resvGaugesInit(ctx) == REDISMODULE_ERR) {
        RedisModule_Log(ctx, "warning", "resv: cannot follow the outbox keys for INFO");
        return REDISMODULE_ERR;
    }
    if (resvRegisterConfigs(ctx) == REDISMODULE_ERR) return REDISMODULE_ERR;
    return resvNoShowStart(ctx);
}

/* A store's settings and its clock: RESV.STORE.SET and RESV.STORE.GET over the hash
 * resv:{S}:settings (include/resv_settings.h), the time zones they name, and the time
 * the module stamps on a store's data, which is that store's wall clock.
 *
 * A zone is read from tzdata once per name and kept for the life of the process (a
 * few KB each; tzdata has about 600 names), so a write pays one HashGet of the
 * store's timezone and one dictionary lookup. Nothing sets TZ: each store converts
 * with its own zone (include/resv_tz.h). */
#include <string.h>
#include <time.h>

#include "resv.h"
#include "resv_settings.h"
#include "resv_tz.h"

#define SETTINGS_ZONES_MAX 1024

static RedisModuleDict *settingsZones; /* zone name -> resvTz *, never freed */
static size_t settingsZoneCount;
static const resvTz *settingsDefault; /* resv.default-timezone */
static RedisModuleString *settingsDefaultName;

/* ---- zones ---- */

const resvTz *resvZoneLoad(const char *name, size_t len, const char **why) {
    if (!resvTzNameValid(name, len)) {
        *why = "not a time zone name";
        return NULL;
    }
    resvTz *tz = RedisModule_DictGetC(settingsZones, (void *)name, len, NULL);
    if (tz) return tz;
    if (settingsZoneCount >= SETTINGS_ZONES_MAX) {
        *why = "too many time zones in use";
        return NULL;
    }
    if (!(tz = resvTzLoad(NULL, name, len, why))) return NULL;
    RedisModule_DictSetC(settingsZones, (void *)name, len, tz);
    settingsZoneCount++;
    return tz;
}

static RedisModuleString *settingsDefaultGet(const char *name, void *privdata) {
    (void)name;
    (void)privdata;
    return settingsDefaultName;
}

/* A default that tzdata cannot give is refused, so the default always loads. */
static int settingsDefaultSet(const char *name, RedisModuleString *val, void *privdata,
                              RedisModuleString **err) {
    (void)name;
    (void)privdata;
    size_t len;
    const char *v = RedisModule_StringPtrLen(val, &len), *why;
    const resvTz *tz = resvZoneLoad(v, len, &why);
    if (!tz) {
        *err = RedisModule_CreateStringPrintf(NULL, "invalid timezone: %s", why);
        return REDISMODULE_ERR;
    }
    if (settingsDefaultName) RedisModule_FreeString(NULL, settingsDefaultName);
    settingsDefaultName = RedisModule_CreateString(NULL, v, len);
    settingsDefault = tz;
    return REDISMODULE_OK;
}

int resvSettingsRegisterConfigs(RedisModuleCtx *ctx) {
    settingsZones = RedisModule_CreateDict(NULL);
    if (RedisModule_RegisterStringConfig(ctx, "default-timezone", "Asia/Shanghai",
                                         REDISMODULE_CONFIG_DEFAULT, settingsDefaultGet,
                                         settingsDefaultSet, NULL, NULL) == REDISMODULE_ERR) {
        RedisModule_Log(ctx, "warning", "resv: cannot register config default-timezone");
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}

/* ---- clocks ---- */

/* resv.test-clock, when set, stands for the real clock (tests of daylight saving
 * days and of no-show deadlines). */
int64_t resvUtcNow(void) {
    return resvCfg.testClock ? (int64_t)resvCfg.testClock : (int64_t)time(NULL);
}

resvInstant resvZoneWall(const resvTz *tz, int64_t utc) {
    resvInstant wall;
    int32_t offset;
    if (!tz || resvTzToLocal(tz, utc, &wall, &offset)) return utc;
    return wall;
}

void resvNow(char buf[RESV_DATETIME_LEN + 1]) {
    resvFormatDateTime(resvZoneWall(settingsDefault, resvUtcNow()), buf);
}

RedisModuleString *resvKeySettings(RedisModuleCtx *ctx, const char *s, size_t sl) {
    resvSpan p[] = {{RESV_SPAN(RESV_KEY_STORE_OPEN)}, {s, sl}, {RESV_SPAN(RESV_KEY_SETTINGS_TAIL)}};
    return resvKeyJoin(ctx, p, 3);
}

_Static_assert(RESV_ST_COUNT == 6, "settingsReadRaw asks for each setting by name");

/* The stored values of a settings hash, NULL where unset. 1 when the hash exists, 0
 * when not, -1 when the key holds another type. */
static int settingsReadRaw(RedisModuleCtx *ctx, const char *s, size_t sl,
                           RedisModuleString *raw[RESV_ST_COUNT]) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, resvKeySettings(ctx, s, sl), REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    for (int i = 0; i < RESV_ST_COUNT; i++)
        raw[i] = NULL;
    if (type == REDISMODULE_KEYTYPE_HASH)
        RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS, resvSettings[0].name, &raw[0],
                            resvSettings[1].name, &raw[1], resvSettings[2].name, &raw[2],
                            resvSettings[3].name, &raw[3], resvSettings[4].name, &raw[4],
                            resvSettings[5].name, &raw[5], NULL);
    RedisModule_CloseKey(key);
    return type == REDISMODULE_KEYTYPE_HASH ? 1 : type == REDISMODULE_KEYTYPE_EMPTY ? 0 : -1;
}

/* A stored value as it takes effect: a value that no longer checks (written by hand,
 * or a zone gone from tzdata) counts as unset. */
static void settingsEffective(RedisModuleString *raw[RESV_ST_COUNT], resvStoreSettings *out) {
    out->tz = settingsDefault;
    out->zoneName = settingsDefaultName;
    for (int i = 0; i < RESV_ST_COUNT; i++) {
        resvSpan v = resvSpanOf(raw[i]);
        const char *why;
        long n;
        out->num[i] = resvSettings[i].def;
        if (!raw[i] || resvSettingCheck((resvSetting)i, v.v, v.len, &n, &why)) continue;
        if (!resvSettings[i].isZone) {
            out->num[i] = n;
            continue;
        }
        const resvTz *tz = resvZoneLoad(v.v, v.len, &why);
        if (tz) {
            out->tz = tz;
            out->zoneName = raw[i];
        }
    }
}

int resvStoreSettingsRead(RedisModuleCtx *ctx, const char *s, size_t sl, resvStoreSettings *out) {
    RedisModuleString *raw[RESV_ST_COUNT];
    int rc = settingsReadRaw(ctx, s, sl, raw);
    settingsEffective(raw, out);
    return rc;
}

int resvStoreSettingsCheckType(RedisModuleCtx *ctx, const char *s, size_t sl) {
    return resvKeyCheckType(ctx, resvKeySettings(ctx, s, sl), REDISMODULE_KEYTYPE_HASH) ? -1 : 0;
}

const resvTz *resvStoreZone(RedisModuleCtx *ctx, const char *s, size_t sl) {
    RedisModuleString *v = NULL;
    resvSpan field = {resvSettings[RESV_ST_TIMEZONE].name,
                      strlen(resvSettings[RESV_ST_TIMEZONE].name)};
    const char *why;
    if (resvHashGetOne(ctx, resvKeySettings(ctx, s, sl), field, &v) == 0 && v) {
        resvSpan z = resvSpanOf(v);
        const resvTz *tz = resvZoneLoad(z.v, z.len, &why);
        if (tz) return tz;
    }
    return settingsDefault;
}

resvInstant resvStoreNow(RedisModuleCtx *ctx, const char *s, size_t sl,
                         char buf[RESV_DATETIME_LEN + 1]) {
    resvInstant wall = resvZoneWall(resvStoreZone(ctx, s, sl), resvUtcNow());
    if (buf) resvFormatDateTime(wall, buf);
    return wall;
}

resvInstant resvStoreToday(RedisModuleCtx *ctx, const char *s, size_t sl,
                           char day[RESV_DATE_LEN + 1]) {
    resvInstant wall = resvStoreNow(ctx, s, sl, NULL);
    resvInstant midnight = resvDayStart(wall);
    if (day) resvDayOf(midnight, day);
    return midnight;
}

/* ---- commands ---- */

/* The settings as they take effect, every one of them: a map, numbers as integers. */
static int settingsReply(RedisModuleCtx *ctx, const resvStoreSettings *st) {
    RedisModule_ReplyWithMap(ctx, RESV_ST_COUNT);
    for (int i = 0; i < RESV_ST_COUNT; i++) {
        resvReplyName(ctx, resvSettings[i].name);
        if (resvSettings[i].isZone)
            RedisModule_ReplyWithString(ctx, st->zoneName);
        else
            RedisModule_ReplyWithLongLong(ctx, st->num[i]);
    }
    return REDISMODULE_OK;
}

/* RESV.STORE.SET store field value [field value ...]
 *   an empty value puts a setting back to its default */
int ResvStoreSet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    const char *words[RESV_ST_COUNT + 1] = {NULL}; /* a setting without its value */
    for (int i = 0; i < RESV_ST_COUNT; i++)
        words[i] = resvSettings[i].name;
    if (argc < 4) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s;
    int given[RESV_ST_COUNT] = {0};
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len)) return REDISMODULE_OK;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, NULL, 0);
        resvSpan n = resvSpanOf(argv[i]), v = resvSpanOf(argv[i + 1]);
        const char *why;
        long num;
        int f = resvSettingLookup(n.v, n.len);
        if (f < 0)
            return resvReplyError(ctx, RESV_E_ERR, "unknown field '%.*s'",
                                  n.len > 64 ? 64 : (int)n.len, n.v);
        if (given[f])
            return resvReplyError(ctx, RESV_E_ERR, "field '%s' given twice", resvSettings[f].name);
        given[f] = 1;
        if (!v.len) continue;
        if (resvSettingCheck((resvSetting)f, v.v, v.len, &num, &why) ||
            (resvSettings[f].isZone && !resvZoneLoad(v.v, v.len, &why)))
            return resvReplyError(ctx, RESV_E_ERR, "invalid %s: %s", resvSettings[f].name, why);
    }
    RedisModuleString *key = resvKeySettings(ctx, s.v, s.len);
    if (resvKeyCheckType(ctx, key, REDISMODULE_KEYTYPE_HASH)) return REDISMODULE_OK;

    resvArgv set = {.n = 0}, del = {.n = 0};
    resvArgvAddStr(&set, key);
    resvArgvAddStr(&del, key);
    for (int i = 2; i < argc; i += 2) {
        resvSpan v = resvSpanOf(argv[i + 1]);
        if (v.len) {
            resvArgvAddStr(&set, argv[i]);
            resvArgvAddStr(&set, argv[i + 1]);
        } else {
            resvArgvAddStr(&del, argv[i]);
        }
    }
    int rc = 0;
    if (set.n > 1) rc |= resvWrite(ctx, "HSET", &set);
    if (del.n > 1) rc |= resvWrite(ctx, "HDEL", &del);
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    resvStoreSettings st;
    resvStoreSettingsRead(ctx, s.v, s.len, &st);
    return settingsReply(ctx, &st);
}

/* RESV.STORE.GET store */
int ResvStoreGet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len)) return REDISMODULE_OK;
    resvStoreSettings st;
    if (resvStoreSettingsRead(ctx, s.v, s.len, &st) < 0)
        return resvReplyWrongType(ctx, resvKeySettings(ctx, s.v, s.len));
    return settingsReply(ctx, &st);
}

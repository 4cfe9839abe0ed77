/* Command metadata, apart from the handlers (as RedisBloom's cmd_info): summary,
 * arity, key specs and arguments for COMMAND INFO / COMMAND DOCS, plus the flags and
 * legacy key positions used at registration. The store argument is the declared key
 * of every per-store command so that Redis Cluster routes it to the store's slot. */
#include "resv.h"

#define KS(fl)                                                                                     \
    {                                                                                              \
        .flags = (fl), .begin_search_type = REDISMODULE_KSPEC_BS_INDEX, .bs.index.pos = 1,         \
        .find_keys_type = REDISMODULE_KSPEC_FK_RANGE, .fk.range = {                                \
            0,                                                                                     \
            1,                                                                                     \
            0                                                                                      \
        }                                                                                          \
    }
#define KEY(n)                                                                                     \
    { .name = n, .type = REDISMODULE_ARG_TYPE_KEY, .key_spec_index = 0 }
#define STR(n)                                                                                     \
    { .name = n, .type = REDISMODULE_ARG_TYPE_STRING, .key_spec_index = -1 }
#define INT(n)                                                                                     \
    { .name = n, .type = REDISMODULE_ARG_TYPE_INTEGER, .key_spec_index = -1 }
#define OPT(n, tok, t)                                                                             \
    {                                                                                              \
        .name = n, .type = t, .key_spec_index = -1, .token = tok,                                  \
        .flags = REDISMODULE_CMD_ARG_OPTIONAL                                                      \
    }
#define TOKEN(n, tok)                                                                              \
    { .name = n, .type = REDISMODULE_ARG_TYPE_PURE_TOKEN, .key_spec_index = -1, .token = tok }
/* An optional keyword without a value. */
#define FLAG(n, tok)                                                                               \
    {                                                                                              \
        .name = n, .type = REDISMODULE_ARG_TYPE_PURE_TOKEN, .key_spec_index = -1, .token = tok,    \
        .flags = REDISMODULE_CMD_ARG_OPTIONAL                                                      \
    }
/* Optionally one of the keywords of `sub`. */
#define ONEOF(n, sub)                                                                              \
    {                                                                                              \
        .name = n, .type = REDISMODULE_ARG_TYPE_ONEOF, .key_spec_index = -1,                       \
        .flags = REDISMODULE_CMD_ARG_OPTIONAL, .subargs = sub                                      \
    }
/* An optional keyword followed by one of `sub`. */
#define CHOICE(n, tok, sub)                                                                        \
    {                                                                                              \
        .name = n, .type = REDISMODULE_ARG_TYPE_ONEOF, .key_spec_index = -1, .token = tok,         \
        .flags = REDISMODULE_CMD_ARG_OPTIONAL, .subargs = sub                                      \
    }
#define PAIRS(sub)                                                                                 \
    {                                                                                              \
        .name = "field_value", .type = REDISMODULE_ARG_TYPE_BLOCK, .key_spec_index = -1,           \
        .flags = REDISMODULE_CMD_ARG_MULTIPLE, .subargs = sub                                      \
    }
#define INFO(sum, cx, ar, ks, as)                                                                  \
    {                                                                                              \
        .version = REDISMODULE_COMMAND_INFO_VERSION, .summary = sum, .complexity = cx,             \
        .since = "1.0.0", .arity = ar, .key_specs = ks, .args = as                                 \
    }
#define S REDISMODULE_ARG_TYPE_STRING

static RedisModuleCommandKeySpec ksUpsert[] = {
    KS(REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_UPDATE), {0}}; /* creates or updates */
static RedisModuleCommandKeySpec ksRead[] = {
    KS(REDISMODULE_CMD_KEY_RO | REDISMODULE_CMD_KEY_ACCESS), {0}};
static RedisModuleCommandKeySpec ksUpdate[] = {
    KS(REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_UPDATE), {0}};
static RedisModuleCommandKeySpec ksDelete[] = {
    KS(REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_DELETE), {0}};
/* RESV.OWNER id [CLAIM|RELEASE store]: the id's key; CLAIM may insert it, RELEASE delete
 * it (Redis allows one of INSERT, DELETE, UPDATE: UPDATE covers both). */
static RedisModuleCommandKeySpec ksOwner[] = {
    KS(REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_ACCESS | REDISMODULE_CMD_KEY_UPDATE), {0}};

static RedisModuleCommandArg fieldPair[] = {STR("field"), STR("value"), {0}};
/* RESV.STORE.SET creates the settings hash or updates it. */
static RedisModuleCommandKeySpec ksStoreSet[] = {
    KS(REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_INSERT), {0}};
static RedisModuleCommandArg argsStoreSet[] = {KEY("store"), PAIRS(fieldPair), {0}};

/* REPLY RESULT (the default: the result word) or REPLY RECORD ([result, record]). */
static RedisModuleCommandArg replyForms[] = {
    TOKEN("result", "RESULT"), TOKEN("record", "RECORD"), {0}};

/* NX: only create; XX: only update. */
static RedisModuleCommandArg upsertCondition[] = {TOKEN("nx", "NX"), TOKEN("xx", "XX"), {0}};

static RedisModuleCommandArg argsUpsert[] = {KEY("store"),
                                             STR("id"),
                                             FLAG("force", "FORCE"),
                                             ONEOF("condition", upsertCondition),
                                             OPT("origin", "ORIGIN", S),
                                             OPT("actor", "ACTOR", S),
                                             OPT("event", "EVENT", S),
                                             OPT("payload", "PAYLOAD", S),
                                             OPT("msgid", "MSGID", S),
                                             CHOICE("reply", "REPLY", replyForms),
                                             PAIRS(fieldPair),
                                             {0}};
static RedisModuleCommandArg argsStoreId[] = {KEY("store"), STR("id"), {0}};
static RedisModuleCommandArg argsList[] = {KEY("store"),
                                           OPT("status", "STATUS", S),
                                           OPT("from", "FROM", S),
                                           OPT("to", "TO", S),
                                           OPT("limit", "LIMIT", REDISMODULE_ARG_TYPE_INTEGER),
                                           OPT("cursor", "CURSOR", S),
                                           {0}};
static RedisModuleCommandArg argsFind[] = {
    KEY("store"),
    {.name = "query", .type = S, .key_spec_index = -1, .token = "QUERY"},
    OPT("from", "FROM", S),
    OPT("to", "TO", S),
    OPT("limit", "LIMIT", REDISMODULE_ARG_TYPE_INTEGER),
    {0}};
static RedisModuleCommandArg argsStatus[] = {KEY("store"),
                                             STR("id"),
                                             STR("status"),
                                             OPT("arrival", "ARRIVAL", S),
                                             OPT("table", "TABLE", S),
                                             OPT("origin", "ORIGIN", S),
                                             OPT("actor", "ACTOR", S),
                                             {0}};
static RedisModuleCommandArg statsBucket[] = {INT("minutes"), TOKEN("slot", "SLOT"), {0}};
static RedisModuleCommandArg argsStats[] = {
    KEY("store"),
    {.name = "from", .type = S, .key_spec_index = -1, .token = "FROM"},
    {.name = "to", .type = S, .key_spec_index = -1, .token = "TO"},
    CHOICE("bucket", "BUCKET", statsBucket),
    {0}};
static RedisModuleCommandArg argsStore[] = {KEY("store"), {0}};
static RedisModuleCommandArg argsHistory[] = {
    KEY("store"), STR("id"), OPT("count", "COUNT", REDISMODULE_ARG_TYPE_INTEGER), {0}};
static RedisModuleCommandArg argsOutbox[] = {
    KEY("store"), OPT("count", "COUNT", REDISMODULE_ARG_TYPE_INTEGER), {0}};
static RedisModuleCommandArg pushedOk[] = {
    {.name = "ok", .type = REDISMODULE_ARG_TYPE_PURE_TOKEN, .key_spec_index = -1, .token = "OK"},
    {0}};
static RedisModuleCommandArg pushedFailed[] = {{.name = "failed",
                                                .type = REDISMODULE_ARG_TYPE_PURE_TOKEN,
                                                .key_spec_index = -1,
                                                .token = "FAILED"},
                                               STR("error"),
                                               {0}};
static RedisModuleCommandArg pushedResult[] = {
    {.name = "ok", .type = REDISMODULE_ARG_TYPE_BLOCK, .key_spec_index = -1, .subargs = pushedOk},
    {.name = "failed",
     .type = REDISMODULE_ARG_TYPE_BLOCK,
     .key_spec_index = -1,
     .subargs = pushedFailed},
    {0}};
static RedisModuleCommandArg argsPushed[] = {KEY("store"),
                                             STR("entry_id"),
                                             {.name = "result",
                                              .type = REDISMODULE_ARG_TYPE_ONEOF,
                                              .key_spec_index = -1,
                                              .subargs = pushedResult},
                                             OPT("owner", "LEASE", S),
                                             {0}};
static RedisModuleCommandArg argsLease[] = {
    KEY("store"), STR("name"), STR("owner"), INT("ms"), {0}};
static RedisModuleCommandArg argsResync[] = {
    KEY("store"),
    {.name = "id", .type = S, .key_spec_index = -1, .flags = REDISMODULE_CMD_ARG_OPTIONAL},
    {0}};
static RedisModuleCommandArg argsTableSet[] = {
    KEY("store"),
    STR("table"),
    {.name = "seats", .type = REDISMODULE_ARG_TYPE_INTEGER, .key_spec_index = -1, .token = "SEATS"},
    OPT("area", "AREA", S),
    OPT("joins", "JOINS", S),
    {0}};
static RedisModuleCommandArg argsTableDel[] = {KEY("store"), STR("table"), {0}};
static RedisModuleCommandArg argsAvailability[] = {
    KEY("store"), STR("date"), OPT("party", "PARTY", REDISMODULE_ARG_TYPE_INTEGER), {0}};
static RedisModuleCommandArg argsWaitAdd[] = {
    KEY("store"), STR("name"), STR("phone"), INT("party"), {0}};
static RedisModuleCommandArg argsWaitEntry[] = {KEY("store"), STR("entry"), {0}};
static RedisModuleCommandArg argsWaitSeat[] = {
    KEY("store"), STR("entry"), STR("table_number"), OPT("actor", "ACTOR", S), {0}};
/* CLAIM store [FROM old]: claims when there is no owner, or when old is. */
static RedisModuleCommandArg claimArgs[] = {
    {.name = "store", .type = S, .key_spec_index = -1, .token = "CLAIM"},
    OPT("old", "FROM", S),
    {0}};
static RedisModuleCommandArg ownerActions[] = {
    {.name = "claim",
     .type = REDISMODULE_ARG_TYPE_BLOCK,
     .key_spec_index = -1,
     .subargs = claimArgs},
    {.name = "release", .type = S, .key_spec_index = -1, .token = "RELEASE"},
    {0}};
static RedisModuleCommandArg argsOwner[] = {KEY("id"),
                                            {.name = "action",
                                             .type = REDISMODULE_ARG_TYPE_ONEOF,
                                             .key_spec_index = -1,
                                             .flags = REDISMODULE_CMD_ARG_OPTIONAL,
                                             .subargs = ownerActions},
                                            {0}};
static RedisModuleCommandArg argsSysCreate[] = {PAIRS(fieldPair), {0}};
/* System commands declare no key: a system's keys are resv:{#sys}:..., whose slot is not
 * the slot of the id argument, so a key spec on the id would send them to the wrong node.
 * On a cluster the command itself answers MOVED to the systems' slot (resv_system.c). */
static RedisModuleCommandArg argsSysId[] = {STR("id"), {0}};
static RedisModuleCommandArg argsSysSet[] = {STR("id"), PAIRS(fieldPair), {0}};

static RedisModuleCommandInfo infoUpsert =
    INFO("Creates or updates a reservation of a store",
         "O(log(N)) with N reservations of the store", -4, ksUpsert, argsUpsert);
static RedisModuleCommandInfo infoGet =
    INFO("Returns a reservation as field/value pairs", "O(1)", -3, ksRead, argsStoreId);
static RedisModuleCommandInfo infoList =
    INFO("Lists reservations by start instant, then id, with a cursor",
         "O(log(N)+M) with M the reservations returned", -2, ksRead, argsList);
static RedisModuleCommandInfo infoFind =
    INFO("Finds reservations by id, reservation number, external id, phone digits or a part "
         "of the name",
         "O(K) with K the reservations holding the id or phone suffix; a name: O(M) with M the "
         "reservations in the window",
         -4, ksRead, argsFind);
static RedisModuleCommandInfo infoStatus =
    INFO("Moves a reservation along the transition table", "O(log(N))", -4, ksUpdate, argsStatus);
static RedisModuleCommandInfo infoDel =
    INFO("Deletes a reservation, its index entries, table hold and audit trail", "O(log(N))", -3,
         ksDelete, argsStoreId);
static RedisModuleCommandInfo infoStats =
    INFO("Counts reservations per status and covers over a range, optionally per bucket",
         "O(log(N)+M) with M the reservations in range", -2, ksRead, argsStats);
static RedisModuleCommandInfo infoTables =
    INFO("Lists the table inventory and the tables held by seated parties, with the "
         "seated party and each table's hold now or next",
         "O(N log(M)) with N tables and M holds of a table", -2, ksRead, argsStore);
static RedisModuleCommandInfo infoTableSet =
    INFO("Adds or replaces a table of the store's inventory: seats, area, the tables it joins",
         "O(1)", -5, ksUpdate, argsTableSet);
static RedisModuleCommandInfo infoTableDel =
    INFO("Removes a table from the inventory; the reservations holding it hold nothing",
         "O(N) with N the holds of the table", -3, ksUpdate, argsTableDel);
static RedisModuleCommandInfo infoAvailability =
    INFO("Per slot of a store's day: covers and parties booked, what remains under the "
         "pacing limits, and the free tables (or joined pairs) that seat the party",
         "O(M + T*(H + S)) with M the day's reservations, T tables, H their holds, S slots", -3,
         ksRead, argsAvailability);
static RedisModuleCommandInfo infoWaitAdd =
    INFO("Adds a walk-in party to the store's waitlist", "O(1)", -5, ksUpdate, argsWaitAdd);
static RedisModuleCommandInfo infoWaitList =
    INFO("Lists the waitlist, oldest first, with each party's estimated wait",
         "O(N*(T+P)*H) with N entries, T tables, P joinable pairs, H their holds", -2, ksRead,
         argsStore);
static RedisModuleCommandInfo infoWaitSeat =
    INFO("Seats a waiting party at a table: a seated walk-in reservation, the entry removed",
         "O(log(N))", -4, ksUpdate, argsWaitSeat);
static RedisModuleCommandInfo infoWaitDel =
    INFO("Removes an entry from the waitlist", "O(1)", -3, ksUpdate, argsWaitEntry);
static RedisModuleCommandInfo infoHistory = INFO(
    "Returns the audit entries of a reservation, oldest first", "O(N)", -3, ksRead, argsHistory);
static RedisModuleCommandInfo infoStoreSet =
    INFO("Sets a store's settings (timezone, no_show_after_minutes, slot_minutes, "
         "turn_minutes); an empty value puts one back to its default",
         "O(N) with N the settings given", -4, ksStoreSet, argsStoreSet);
static RedisModuleCommandInfo infoStoreGet =
    INFO("Returns a store's settings as they take effect", "O(1)", -2, ksRead, argsStore);
static RedisModuleCommandInfo infoOutbox =
    INFO("Returns the oldest entries of the store's push outbox (status changes for the "
         "provider)",
         "O(N) with N the entries returned", -2, ksRead, argsOutbox);
static RedisModuleCommandInfo infoPushed =
    INFO("Records the delivery result of an outbox entry: OK, or FAILED with the error",
         "O(N) with N the entries of the outbox", -4, ksUpdate, argsPushed);
static RedisModuleCommandInfo infoLease =
    INFO("Takes, renews or (ms 0) releases a lease of a store's background work for an owner",
         "O(1)", -5, ksUpdate, argsLease);
static RedisModuleCommandInfo infoFailures =
    INFO("Lists the failed pushes of a store by reservation id", "O(N)", -2, ksRead, argsStore);
static RedisModuleCommandInfo infoResync =
    INFO("Queues failed pushes (or one reservation) again with the current status",
         "O(N) with N the failed reservations", -2, ksUpdate, argsResync);
static RedisModuleCommandInfo infoDisown =
    INFO("Gives up a reservation id the store claimed but does not have", "O(1)", -3, ksUpdate,
         argsStoreId);
static RedisModuleCommandInfo infoOwner =
    INFO("Returns, claims or releases the store that owns a reservation id", "O(1)", -2, ksOwner,
         argsOwner);
static RedisModuleCommandInfo infoSysCreate =
    INFO("Creates an integration system", "O(1)", -2, NULL, argsSysCreate);
static RedisModuleCommandInfo infoSysGet =
    INFO("Returns an integration system", "O(1)", -2, NULL, argsSysId);
static RedisModuleCommandInfo infoSysList =
    INFO("Lists the integration systems ordered by id", "O(N)", -1, NULL, NULL);
static RedisModuleCommandInfo infoSysSet =
    INFO("Updates fields of an integration system", "O(1)", -3, NULL, argsSysSet);
static RedisModuleCommandInfo infoSysDel =
    INFO("Deletes an integration system", "O(1)", -2, NULL, argsSysId);

const resvCommandDef resvCommands[] = {
    {"resv.upsert", ResvUpsert_RedisCommand, "write deny-oom", 1, 1, 1, &infoUpsert},
    {"resv.get", ResvGet_RedisCommand, "readonly fast", 1, 1, 1, &infoGet},
    {"resv.list", ResvList_RedisCommand, "readonly", 1, 1, 1, &infoList},
    {"resv.find", ResvFind_RedisCommand, "readonly", 1, 1, 1, &infoFind},
    {"resv.status", ResvStatus_RedisCommand, "write deny-oom", 1, 1, 1, &infoStatus},
    {"resv.del", ResvDel_RedisCommand, "write", 1, 1, 1, &infoDel},
    {"resv.stats", ResvStats_RedisCommand, "readonly", 1, 1, 1, &infoStats},
    {"resv.tables", ResvTables_RedisCommand, "readonly", 1, 1, 1, &infoTables},
    {"resv.table.set", ResvTableSet_RedisCommand, "write deny-oom", 1, 1, 1, &infoTableSet},
    {"resv.table.del", ResvTableDel_RedisCommand, "write", 1, 1, 1, &infoTableDel},
    {"resv.availability", ResvAvailability_RedisCommand, "readonly", 1, 1, 1, &infoAvailability},
    {"resv.wait.add", ResvWaitAdd_RedisCommand, "write deny-oom", 1, 1, 1, &infoWaitAdd},
    {"resv.wait.list", ResvWaitList_RedisCommand, "readonly", 1, 1, 1, &infoWaitList},
    {"resv.wait.seat", ResvWaitSeat_RedisCommand, "write deny-oom", 1, 1, 1, &infoWaitSeat},
    {"resv.wait.del", ResvWaitDel_RedisCommand, "write", 1, 1, 1, &infoWaitDel},
    {"resv.history", ResvHistory_RedisCommand, "readonly", 1, 1, 1, &infoHistory},
    {"resv.store.set", ResvStoreSet_RedisCommand, "write deny-oom", 1, 1, 1, &infoStoreSet},
    {"resv.store.get", ResvStoreGet_RedisCommand, "readonly fast", 1, 1, 1, &infoStoreGet},
    {"resv.outbox", ResvOutbox_RedisCommand, "readonly", 1, 1, 1, &infoOutbox},
    {"resv.pushed", ResvPushed_RedisCommand, "write", 1, 1, 1, &infoPushed},
    {"resv.lease", ResvLease_RedisCommand, "write deny-oom fast", 1, 1, 1, &infoLease},
    {"resv.failures", ResvFailures_RedisCommand, "readonly", 1, 1, 1, &infoFailures},
    {"resv.resync", ResvResync_RedisCommand, "write deny-oom", 1, 1, 1, &infoResync},
    {"resv.owner", ResvOwner_RedisCommand, "write deny-oom", 1, 1, 1, &infoOwner},
    {"resv.disown", ResvDisown_RedisCommand, "write deny-oom", 1, 1, 1, &infoDisown},
    {"resv.system.create", ResvSystemCreate_RedisCommand, "write deny-oom", 0, 0, 0,
     &infoSysCreate},
    {"resv.system.get", ResvSystemGet_RedisCommand, "readonly fast", 0, 0, 0, &infoSysGet},
    {"resv.system.list", ResvSystemList_RedisCommand, "readonly", 0, 0, 0, &infoSysList},
    {"resv.system.set", ResvSystemSet_RedisCommand, "write deny-oom", 0, 0, 0, &infoSysSet},
    {"resv.system.del", ResvSystemDel_RedisCommand, "write", 0, 0, 0, &infoSysDel},
};
const int resvCommandCount = sizeof resvCommands / sizeof resvCommands[0];

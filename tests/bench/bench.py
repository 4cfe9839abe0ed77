#!/usr/bin/env python3
"""The parts of `make bench` (tests/bench/run.sh starts the servers and calls these):

    bench.py memory    load N realistic reservations into the fresh server, bytes each
    bench.py compare   one store of 20,000 reservations; RESV.* against the lean way in
                       plain Redis (HGETALL, a Lua ZRANGEBYSCORE + HGETALLs, a Lua HSET +
                       two ZADD) and against Lua scripts doing the module's whole work
                       (redis-benchmark); instructions per call under callgrind
    bench.py sidecar   GET /reservation/{id} through the sidecar (1 and 2 workers) and
                       through the bench's own minimal gateway (wrk, p50/p99) against
                       RESV.GET unpipelined
    bench.py floor     RESV.AVAILABILITY of a day of 200 bookings: server time per call,
                       and instructions per call under callgrind (with a paced write)
    bench.py report    the table on stdout, build/bench/latest.json and latest.png

Every throughput figure is a ratio of two runs made in the same minute on the same
server, interleaved, median over rounds: the machine is shared, so absolute numbers
move, ratios much less. Environment (set by run.sh): BENCH_PORT, BENCH_TMP,
BENCH_QUICK, BENCH_SIDECAR_PORT (1 worker), BENCH_SIDECAR2_PORT (2 workers), BENCH_TOKEN,
BENCH_GATEWAY_PORT."""
import datetime
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from harness import Client, RespError, pairs  # noqa: E402  (the tests' RESP client)

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
PORT = int(os.environ.get("BENCH_PORT", "6379"))
TMP = os.environ.get("BENCH_TMP", "/tmp")
STORES = 20
N = int(os.environ.get("BENCH_N", "2000" if QUICK else "20000"))
PER = max(N // STORES, 30)
N = PER * STORES
ROUNDS = 3 if QUICK else 5
TARGET_SECS = 0.3 if QUICK else 1.0  # length of one redis-benchmark run
WRK_SECS = 2 if QUICK else 4
CLIENTS = 50
HTTP_CLIENTS = 50
# issue 7's peak-hour case: one store, 20,000 reservations, as dense a day as the
# default's 59 days in the quick run too (and under callgrind)
PEAK = "peak"
PEAK_N = int(os.environ.get("BENCH_PEAK_N", "2000" if QUICK else "20000"))
CG_PEAK_N = 2000
LIST_FROM, LIST_TO = "2024-02-15T18:00:00", "2024-02-15T20:00:00"
LIST_LIMIT = "50"


def store_name(k):
    return "store-%03d" % (k + 1)


def res_id(i):
    # redis-benchmark's __rand_int__ expands to 12 digits: RES-__rand_int__ hits these
    return "RES-%012d" % i


def peak_id(i):
    return "PK-%012d" % i


# ---- realistic data (the seed's example, varied) ----

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛",
         "明", "超", "秀英", "华", "建国", "晓东", "雪梅", "志强"]
REQS = ["靠窗位置，需要儿童座椅", "需要安静的包间", "有一位老人，需要靠近入口", "不吃辣",
        "生日聚会，请准备长寿面", "需要宝宝椅两把", ""]
NOTES = ["客户是VIP会员", "老客户，喜欢靠窗的位置", "商务宴请，注意上菜节奏", "第一次来店",
         "已电话确认到店时间", "会员积分兑换了一道菜", ""]
SLOTS = ["11:00-13:00", "11:30-13:30", "12:00-14:00", "17:30-19:30", "18:00-20:00",
         "18:30-20:30", "19:00-21:00"]
TABLE_TYPES = ["圆桌", "方桌", "包间", "卡座"]
AREAS = ["大厅", "包间区", "露台", "二楼"]
CHANNELS = ["微信小程序", "电话", "美团", "大众点评", "到店"]
STATUSES = ["pending"] * 25 + ["confirmed"] * 55 + ["arrived"] * 5 + ["completed"] * 10 + \
    ["cancelled"] * 5


def reservation_fields(rng, i, days=None):
    """The fields of reservation i: on one of the 59 days of February and March 2024, or
    with `days`, of the `days` days from 2024-02-15 on (the peak store)."""
    if days:
        date = (datetime.date(2024, 2, 15) + datetime.timedelta(days=rng.randrange(days))
                ).strftime("%Y-%m-%dT00:00:00")
    else:
        day = 1 + rng.randrange(59)
        date = "2024-%02d-%02dT00:00:00" % ((2, day) if day <= 29 else (3, day - 29))
    deposit = rng.random() < 0.4
    return [
        "system_id", "sys-yiding-%02d" % (i % STORES + 1),
        "external_reservation_id", "yiding_res_%06d" % i,
        "reservation_number", "YD20240214%05d" % i,
        "customer_name", rng.choice(SURNAMES) + rng.choice(GIVEN),
        "customer_phone", "13%d%08d" % (rng.randrange(10), rng.randrange(10**8)),
        "customer_count", str(rng.randint(1, 12)),
        "reservation_date", date,
        "reservation_time", rng.choice(SLOTS),
        "table_type", rng.choice(TABLE_TYPES),
        "area", rng.choice(AREAS),
        "status", rng.choice(STATUSES),
        "special_requirements", rng.choice(REQS),
        "notes", rng.choice(NOTES),
        "deposit_required", "true" if deposit else "false",
        "deposit_amount", "200.00" if deposit else "0",
        "deposit_paid", "true" if deposit and rng.random() < 0.8 else "false",
        "source", "yiding",
        "channel", rng.choice(CHANNELS),
    ]


SEED_FIELDS = ["external_reservation_id", "yiding_res_001", "reservation_number", "YD20240214001",
               "customer_name", "张三", "customer_phone", "13800138000", "customer_count", "4",
               "reservation_date", "2024-02-15T00:00:00", "reservation_time", "18:00-20:00",
               "table_type", "圆桌", "area", "大厅", "status", "confirmed",
               "special_requirements", "靠窗位置，需要儿童座椅", "notes", "客户是VIP会员",
               "deposit_required", "true", "deposit_amount", "200.00", "deposit_paid", "true",
               "source", "yiding", "channel", "微信小程序"]


def pipeline(c, cmds):
    for cmd in cmds:
        c.send(*cmd)
    return [c.read() for _ in cmds]


def info_field(c, section, name):
    for line in c.call("INFO", section).splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def used_memory(c):
    try:
        c.call("MEMORY", "PURGE")
    except RespError:
        pass
    return int(info_field(c, "memory", "used_memory"))


def save(name, data):
    with open(os.path.join(TMP, name + ".json"), "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)


def load(name):
    try:
        with open(os.path.join(TMP, name + ".json")) as f:
            return json.load(f)
    except OSError:
        return None


# ---- part 2: memory ----

def key_class(k):
    if k.startswith("resv:owner:"):
        return "owner"
    m = re.match(r"resv:\{[^}]*\}:(r|h|i|days|changes|tables|lookup|outbox|failures|msg)"
                 r"(:(.*))?$", k)
    if not m:
        return "other"
    return {"r": "record hash", "h": "history list", "changes": "change feed",
            "i": "index partitions", "days": "day index", "lookup": "lookup index",
            "tables": "table holds"}.get(m.group(1), m.group(1))


def all_partitions_cost(c):
    """What the dropped alternative, an all-statuses partition resv:{S}:i:all:<day> beside
    the status partitions, would cost: each day's seven partitions ZUNIONSTOREd into a
    scratch key of the same name length, MEMORY USAGE of it, deleted again."""
    total, keys, encodings = 0, 0, {}
    for k in range(STORES):
        s = store_name(k)
        for day in c.call("ZRANGE", "resv:{%s}:days" % s, "0", "-1"):
            srcs = ["resv:{%s}:i:%s:%s" % (s, st, day) for st in
                    ("pending", "confirmed", "arrived", "seated", "completed", "cancelled",
                     "no_show")]
            tmp = "resv:{%s}:i:all:%s" % (s, day)
            c.call("ZUNIONSTORE", tmp, str(len(srcs)), *srcs)
            total += c.call("MEMORY", "USAGE", tmp, "SAMPLES", "0")
            enc = c.call("OBJECT", "ENCODING", tmp)
            encodings[enc] = encodings.get(enc, 0) + 1
            c.call("DEL", tmp)
            keys += 1
    return {"keys": keys, "memory_usage": total, "bytes_per_reservation": round(total / N, 1),
            "encodings": encodings}


def part_memory():
    c = Client(PORT)
    keys_before = c.call("DBSIZE")
    before = used_memory(c)
    rng = random.Random(20261127)
    t0 = time.time()
    batch = []
    replies = []
    for k in range(STORES):
        for j in range(PER):
            i = k * PER + j
            batch.append(["RESV.UPSERT", store_name(k), res_id(i)] + reservation_fields(rng, i))
            if len(batch) == 500:
                replies += pipeline(c, batch)
                batch = []
    replies += pipeline(c, batch)
    load_secs = time.time() - t0
    bad = [r for r in replies if r != "created"]
    if bad:
        sys.exit("bench: loading failed: %r" % bad[:3])
    after = used_memory(c)

    # MEMORY USAGE of every key, by kind (SAMPLES 0: exact, every element counted)
    by_class, counts = {}, {}
    cursor = "0"
    while True:
        cursor, keys = c.call("SCAN", cursor, "COUNT", "1000")
        sizes = pipeline(c, [["MEMORY", "USAGE", k, "SAMPLES", "0"] for k in keys])
        for k, s in zip(keys, sizes):
            cl = key_class(k)
            by_class[cl] = by_class.get(cl, 0) + (s or 0)
            counts[cl] = counts.get(cl, 0) + 1
        if cursor == "0":
            break
    out_alt = all_partitions_cost(c)
    s0, r0 = store_name(0), res_id(0)
    one = {
        "record hash": c.call("MEMORY", "USAGE", "resv:{%s}:r:%s" % (s0, r0), "SAMPLES", "0"),
        "history list (1 entry)": c.call("MEMORY", "USAGE", "resv:{%s}:h:%s" % (s0, r0),
                                         "SAMPLES", "0"),
        "history encoding": c.call("OBJECT", "ENCODING", "resv:{%s}:h:%s" % (s0, r0)),
        "owner key": c.call("MEMORY", "USAGE", "resv:owner:{%s}" % r0, "SAMPLES", "0"),
        "record encoding": c.call("OBJECT", "ENCODING", "resv:{%s}:r:%s" % (s0, r0)),
        "history entry bytes (the list element)": sum(
            len(x.encode("utf-8", "surrogateescape"))
            for x in c.call("LRANGE", "resv:{%s}:h:%s" % (s0, r0), "0", "-1")),
        "record field/value bytes": sum(
            len(x.encode()) for x in c.call("HGETALL", "resv:{%s}:r:%s" % (s0, r0))),
    }
    per = (after - before) / N
    out = {
        "reservations": N, "stores": STORES, "load_seconds": round(load_secs, 2),
        "upserts_per_second_while_loading": round(N / load_secs),
        "used_memory_before": before, "used_memory_after": after,
        "keys_before": keys_before, "keys_after": c.call("DBSIZE"),
        "bytes_per_reservation": round(per, 1),
        "memory_usage_by_kind_per_reservation": {
            k: round(v / N, 1) for k, v in sorted(by_class.items(), key=lambda kv: -kv[1])},
        "keys_by_kind": counts,
        "one_reservation": one,
    }
    # the trail's cost per entry: the same list after nine more updates
    hk = "resv:{%s}:h:%s" % (s0, r0)
    for i in range(9):
        c.call("RESV.UPSERT", s0, r0, "notes", "第%d次修改：客户改为靠窗的位置" % (i + 1))
    ten = c.call("MEMORY", "USAGE", hk, "SAMPLES", "0")
    out["history_list_10_entries"] = {
        "memory_usage": ten,
        "element_bytes": sum(len(x.encode("utf-8", "surrogateescape"))
                             for x in c.call("LRANGE", hk, "0", "-1")),
        "bytes_per_added_entry": round((ten - one["history list (1 entry)"]) / 9, 1),
    }
    out["all_statuses_partition_per_day"] = out_alt
    hist = by_class.get("history list", 0)
    out["bytes_per_reservation_without_history"] = round((after - before - hist) / N, 1)
    # issue 7, item 5: the record, its index entries and its owner key, by MEMORY USAGE;
    # the audit trail apart
    itself = sum(by_class.get(k, 0) for k in ITSELF) / N
    lookup = by_class.get("lookup index", 0) / N
    out.update({"reservation_itself_bytes": round(itself, 1), "target_bytes": 1024,
                "met": itself < 1024, "audit_trail_bytes": round(hist / N, 1),
                "itself_counts": list(ITSELF), "lookup_index_bytes": round(lookup, 1),
                "reservation_itself_without_lookup_bytes": round(itself - lookup, 1),
                "met_without_lookup": itself - lookup < 1024})
    c.close()
    save("memory", out)
    print("bench: memory: %d reservations, %.0f bytes each with everything; the reservation "
          "itself %.0f (%s), its audit trail %.0f" % (
              N, per, itself, "under 1024" if itself < 1024 else "NOT under 1024", hist / N))


# the reservation itself: its record, every index entry it brings (status/day partitions,
# day list, FIND's lookup index, table holds when seated) and its owner key
ITSELF = ("record hash", "index partitions", "day index", "lookup index", "table holds", "owner")


# ---- part 1: module against the lean way and against Lua doing the same work ----

def redis_benchmark(argv, n, r=None, clients=CLIENTS, pipe=1, port=None):
    cmd = ["redis-benchmark", "-p", str(port or PORT), "-n", str(n), "-c", str(clients),
           "-P", str(pipe), "--csv"]
    if r:
        cmd += ["-r", str(r)]
    p = subprocess.run(cmd + list(argv), capture_output=True, text=True, timeout=300)
    rows = [ln for ln in p.stdout.splitlines() if ln.startswith('"') and not ln.startswith('"test"')]
    if p.returncode or not rows:
        sys.exit("bench: redis-benchmark failed: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
    return float(rows[-1].split('","')[1])


def script_load(c, name):
    with open(os.path.join(HERE, name)) as f:
        return c.call("SCRIPT", "LOAD", f.read())


def sanity(c, argv, want):
    """Runs argv once with the placeholder filled; refuses to benchmark an error."""
    sanity.n += 1
    concrete = [a.replace("__rand_int__", "%012d" % sanity.n) for a in argv]
    r = c.try_call(*concrete)
    if isinstance(r, RespError) or (want is not None and r != want):
        sys.exit("bench: %s replied %r, expected %r" % (" ".join(concrete[:4]), r, want))


sanity.n = 6


def interleave(runners, rounds=ROUNDS):
    """runners: name -> function() -> ops/s. Round i runs them in an order rotated by i
    (and reversed every other round), so no side always goes first. -> name -> list."""
    names = list(runners)
    out = {k: [] for k in names}
    for i in range(rounds):
        order = names[i % len(names):] + names[:i % len(names)]
        if i % 2:
            order.reverse()
        for k in order:
            out[k].append(runners[k]())
    return out


def load_peak(c, n, days_for=None):
    """Issue 7's store: n reservations of one store (PEAK), as many a day as 20,000 over
    59 days, ids PK-<12 digits>, and the lean baseline's status set of confirmed
    reservations built from the module's partitions. -> bytes per reservation."""
    days = max(1, round(59 * n / 20000))
    before = used_memory(c)
    rng = random.Random(20261201)
    for lo in range(0, n, 500):
        got = pipeline(c, [["RESV.UPSERT", PEAK, peak_id(i)] + reservation_fields(rng, i, days)
                           for i in range(lo, min(n, lo + 500))])
        if any(g != "created" for g in got):
            sys.exit("bench: loading the peak store failed: %r" % got[:3])
    after = used_memory(c)
    parts = ["resv:{%s}:i:confirmed:%s" % (PEAK, d)
             for d in c.call("ZRANGE", "resv:{%s}:days" % PEAK, "0", "-1")]
    c.call("ZUNIONSTORE", "lean:{%s}:st:confirmed" % PEAK, str(len(parts)), *parts)
    return {"reservations": n, "days": days, "bytes_per_reservation": round((after - before) / n, 1)}


def instant(dt):
    """'YYYY-MM-DDTHH:MM:SS' -> the module's start instant (seconds, wall clock as UTC)."""
    return str(int(datetime.datetime.strptime(dt, "%Y-%m-%dT%H:%M:%S")
                   .replace(tzinfo=datetime.timezone.utc).timestamp()))


def compare_cases(sha, find):
    """The cases of issue 7's table and the update: per case the module's command, the
    lean baseline (None where the issue names none) and the Lua script doing the
    module's work (None for FIND, whose baseline is RESV.GET). `find`: phone_queries().
    __rand_int__ is redis-benchmark's placeholder."""
    notes = "客户是VIP会员，第__rand_int__次到店"
    pk = "PK-__rand_int__"
    seed_score = instant("2024-02-15T18:00:00")
    return [
        {"name": "RESV.GET", "pipe": 32, "r": PEAK_N, "cap": 10**7, "want": None, "target": 0.8,
         "module": ["RESV.GET", PEAK, pk],
         "lean": ["HGETALL", "resv:{%s}:r:%s" % (PEAK, pk)],
         "lean_is": "HGETALL of the record",
         "full": ["EVALSHA", sha["get"], "1", PEAK, pk]},
        {"name": "RESV.LIST STATUS confirmed FROM 18:00 TO 20:00 LIMIT 50", "pipe": 8, "r": None,
         "cap": 10**6, "want": None, "target": 2.0,
         "module": ["RESV.LIST", PEAK, "STATUS", "confirmed", "FROM", LIST_FROM, "TO", LIST_TO,
                    "LIMIT", LIST_LIMIT],
         "lean": ["EVALSHA", sha["lean_list"], "1", "lean:{%s}:st:confirmed" % PEAK,
                  instant(LIST_FROM), instant(LIST_TO), LIST_LIMIT, "resv:{%s}:r:" % PEAK],
         "lean_is": "Lua: ZRANGEBYSCORE of a per-store status set + HGETALL of each member",
         "full": ["EVALSHA", sha["list"], "1", PEAK, "STATUS", "confirmed", "FROM", LIST_FROM,
                  "TO", LIST_TO, "LIMIT", LIST_LIMIT]},
        {"name": "RESV.UPSERT (update notes)", "pipe": 32, "r": PEAK_N, "cap": 10**6,
         "want": "updated", "target": None,
         "module": ["RESV.UPSERT", PEAK, pk, "notes", notes], "lean": None, "lean_is": None,
         "full": ["EVALSHA", sha["upsert"], "1", PEAK, pk, "notes", notes]},
        # issue 11: FIND by the last 4 digits of a phone costs about what a GET costs; the
        # baseline is RESV.GET of the one reservation the query finds (both fixed)
        {"name": "RESV.FIND QUERY <last 4 phone digits>", "pipe": 32, "r": None,
         "cap": 10**7, "want": None, "target": 0.8, "find": True,
         "module": ["RESV.FIND", PEAK, "QUERY", find[0][0]],
         "lean": ["RESV.GET", PEAK, find[0][1]],
         "lean_is": "RESV.GET of the reservation the query finds (issue 11)",
         "full": None},
        # creates add data: capped so the default run stays well under 1 GB
        {"name": "RESV.UPSERT (create)", "pipe": 32, "r": 10**12,
         "cap": 3000 if QUICK else 20000, "want": None, "target": 1.0,
         "module": ["RESV.UPSERT", "bench-mod", "NEWM-__rand_int__"] + SEED_FIELDS,
         "lean": ["EVALSHA", sha["lean_upsert"], "3", "lean:{bench-lean}:r:NEWN-__rand_int__",
                  "lean:{bench-lean}:all", "lean:{bench-lean}:st:confirmed", seed_score,
                  "NEWN-__rand_int__"] + SEED_FIELDS,
         "lean_is": "Lua: HSET + two ZADD",
         "full": ["EVALSHA", sha["upsert"], "1", "bench-lua", "NEWL-__rand_int__"] + SEED_FIELDS},
    ]


def phone_queries(c):
    """[(last 4 digits, id)] of the peak store's phones whose last 4 digits only one
    reservation holds (from the lookup index, keys.md), in byte order: RESV.FIND QUERY
    <digits> then finds exactly that reservation."""
    got = []
    flat = c.call("HGETALL", "resv:{%s}:lookup" % PEAK)
    for f, v in zip(flat[::2], flat[1::2]):
        if f.startswith("p:") and " " not in v:
            got.append((f[2:], v))
    if not got:
        sys.exit("bench: no phone held by one reservation only in the lookup index")
    return sorted(got)


SCRIPTS = ("get", "list", "upsert", "lean_list", "lean_upsert")


def server_usec(c, command):
    """The server's own time per call of `command` since CONFIG RESETSTAT (INFO
    commandstats: a module command or a script counts what it calls inside)."""
    want = "cmdstat_%s:" % command.lower()
    for line in c.call("INFO", "commandstats").splitlines():
        if line.startswith(want):
            return float(re.search(r"usec_per_call=([\d.]+)", line).group(1))
    return float("nan")


def fmt2(x):
    return "-" if x is None else "%.2f" % x


def part_compare():
    c = Client(PORT)
    peak = load_peak(c, PEAK_N)
    print("bench: peak store: %d reservations of one store over %d days, %.0f bytes each" %
          (peak["reservations"], peak["days"], peak["bytes_per_reservation"]))
    sha = {name: script_load(c, name + ".lua") for name in SCRIPTS}
    find = phone_queries(c)
    cases = compare_cases(sha, find)
    # FIND by those digits answers that one reservation, by phone
    got = c.call("RESV.FIND", PEAK, "QUERY", find[0][0])
    if got[0] != 1 or got[1][0][0] != "customer_phone" or \
            pairs(got[1][0][1])["reservation_id"] != find[0][1]:
        sys.exit("bench: RESV.FIND QUERY %s replied %r" % (find[0][0], got))
    # the Lua LIST does what RESV.LIST does: same items, same cursor
    mod, full = c.call(*cases[1]["module"]), c.call(*cases[1]["full"])
    lean = c.call(*cases[1]["lean"])
    if [pairs(x)["reservation_id"] for x in mod[1]] != [pairs(x)["reservation_id"] for x in full[1]] \
            or mod[0] != full[0] or len(lean) != len(mod[1]) or len(mod[1]) != int(LIST_LIMIT):
        sys.exit("bench: the LIST baselines do not read what RESV.LIST reads")
    rows = []
    for case in cases:
        variants = [v for v in ("module", "lean", "full") if case[v]]
        for v in variants:
            sanity(c, case[v], case["want"])
        kw = {"pipe": case["pipe"]}
        probe = redis_benchmark(case["module"], 2000 if QUICK else 5000, case["r"], **kw)
        n = int(min(max(probe * TARGET_SECS, 1000), case["cap"]))
        usec = {v: [] for v in variants}

        def run(v, n=n, case=case, kw=kw, usec=usec):
            c.call("CONFIG", "RESETSTAT")
            ops = redis_benchmark(case[v], n, case["r"], **kw)
            usec[v].append(server_usec(c, case[v][0]))
            return ops

        runs = interleave({v: (lambda v=v: run(v)) for v in variants})
        row = {"command": case["name"], "pipeline": case["pipe"], "requests_per_run": n,
               "rounds": ROUNDS, "runs": {v: [round(x) for x in runs[v]] for v in variants},
               "ops": {v: round(statistics.median(runs[v])) for v in variants},
               "server_usec_per_call": {v: round(statistics.median(usec[v]), 2)
                                        for v in variants},
               "lean_baseline": case["lean_is"], "target": case["target"]}
        if case.get("find"):
            row.update({"find": True, "query": case["module"][3],
                        "finds": case["lean"][2]})
        for v in variants[1:]:
            ratios = [a / b for a, b in zip(runs["module"], runs[v])]
            row["ratio_" + v] = round(statistics.median(ratios), 2)
            row["ratio_%s_min" % v] = round(min(ratios), 2)
            row["ratio_%s_max" % v] = round(max(ratios), 2)
            # the same question asked of the server alone: its time per call, baseline
            # over module (INFO commandstats), free of the client's share of the CPU
            row["server_ratio_" + v] = round(statistics.median(
                [b / a for a, b in zip(usec["module"], usec[v])]), 2)
        if case["target"] is not None and "ratio_lean" in row:
            row["met"] = row["ratio_lean"] >= case["target"]
        rows.append(row)
        print("bench: %-55s module %8d ops/s  lean %8s  full-work Lua %8s  ratios %s / %s"
              "  (server time: %s / %s)" % (
                  case["name"], row["ops"]["module"], row["ops"].get("lean", "-"),
                  row["ops"].get("full", "-"), fmt2(row.get("ratio_lean")),
                  fmt2(row.get("ratio_full")), fmt2(row.get("server_ratio_lean")),
                  fmt2(row.get("server_ratio_full"))))
    out = {"clients": CLIENTS, "rows": rows, "peak_store": peak,
           "scripts": ["tests/bench/%s.lua" % x for x in SCRIPTS]}
    if os.environ.get("BENCH_CALLGRIND", "1") != "0" and shutil.which("valgrind"):
        out["callgrind"] = callgrind(cases)
    c.close()
    save("compare", out)


# ---- instructions per command under callgrind ----

class CallgrindServer:
    """A second redis-server under callgrind: instructions executed by the server for a
    batch of commands (zeroed and dumped around the batch with callgrind_control).
    Counts are repeatable whatever else the machine does. `with CallgrindServer() as
    cg:` gives cg.client, and cg.measure(argvs) the instructions per command; None
    when callgrind cannot run (cg.skipped says why)."""

    def __init__(self):
        self.proc, self.client, self.skipped = None, None, None

    def __enter__(self):
        if not shutil.which("callgrind_control"):
            self.skipped = "callgrind_control not found"
            return self
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.dir = os.path.join(TMP, "callgrind")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind",
             "--callgrind-out-file=" + os.path.join(self.dir, "cg.%p"),
             "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--loadmodule",
             os.path.join(TOP, "module", "resv.so"), "--logfile", "redis.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while True:
            try:
                self.client = Client(port)
                self.client.call("PING")
                return self
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.skipped = "redis-server did not start under valgrind"
                    return self
                time.sleep(0.3)

    def measure(self, argvs):
        pid = str(self.proc.pid)
        subprocess.run(["callgrind_control", "-z", pid], capture_output=True, timeout=120)
        pipeline(self.client, argvs)
        subprocess.run(["callgrind_control", "-d", pid], capture_output=True, timeout=120)
        dumps = [f for f in os.listdir(self.dir) if re.match(r"cg\.%s\.\d+$" % pid, f)]
        if not dumps:
            return None
        last = max(dumps, key=lambda f: int(f.rsplit(".", 1)[1]))
        with open(os.path.join(self.dir, last)) as f:
            m = re.search(r"^summary:\s*(\d+)", f.read(), re.M)
        return int(m.group(1)) // len(argvs) if m else None

    def __exit__(self, *exc):
        if self.client:
            self.client.close()
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


def callgrind(cases):
    """The compare part's commands under callgrind, with a peak store of CG_PEAK_N
    reservations (as dense a day as the timed runs)."""
    result = {}
    with CallgrindServer() as cg:
        if cg.skipped:
            return {"skipped": cg.skipped}
        c = cg.client
        load_peak(c, CG_PEAK_N)
        cg_find = phone_queries(c)
        for name in SCRIPTS:
            script_load(c, name + ".lua")

        def argvs(template, k):
            """k copies: a PK- id cycles through the loaded ones, any other placeholder
            becomes a number of its own (new reservations, notes)."""
            out = []
            for j in range(k):
                a = []
                for x in template:
                    if "__rand_int__" in x:
                        pre = x.split("__rand_int__")[0]
                        x = x.replace("__rand_int__", "%012d" % (j % CG_PEAK_N if
                                                                  pre.endswith("PK-") else j))
                    a.append(x)
                out.append(a)
            return out

        for case in cases:
            # a script's sha is the SHA1 of its text: the same on both servers
            batch = 50 if case["name"].startswith("RESV.LIST") else 200
            if case.get("find"):
                # this server's own phones: 200 queries, each finding one reservation,
                # against RESV.GET of the same 200
                q = (cg_find * (batch // len(cg_find) + 1))[:batch]
                counts = {"module": cg.measure([["RESV.FIND", PEAK, "QUERY", d] for d, _ in q]),
                          "lean": cg.measure([["RESV.GET", PEAK, r] for _, r in q])}
            else:
                counts = {v: cg.measure(argvs(case[v], batch))
                          for v in ("module", "lean", "full") if case[v]}
            if all(counts.values()):
                row = {"module_instructions_per_call": counts["module"]}
                if "full" in counts:
                    row["full_lua_instructions_per_call"] = counts["full"]
                    row["ratio_full_over_module"] = round(counts["full"] / counts["module"], 2)
                if "lean" in counts:
                    row["lean_instructions_per_call"] = counts["lean"]
                    row["ratio_lean_over_module"] = round(counts["lean"] / counts["module"], 2)
                result[case["name"]] = row
    return result


# ---- part 3: HTTP ----

def http_get(port, path, token=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"Authorization": "Bearer " + token} if token else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())


def wrk_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]


def wrk(port, path, env):
    """wrk -t1 -c50 --latency against path (or, with BENCH_PATH in env, the random ids
    of wrk_get.lua). -> requests per second, p50 ms, p99 ms."""
    cmd = ["wrk", "-t1", "-c%d" % HTTP_CLIENTS, "-d%ds" % WRK_SECS, "--timeout", "5s",
           "--latency"]
    if "BENCH_PATH" in env:
        cmd += ["-s", os.path.join(HERE, "wrk_get.lua")]
    elif env.get("BENCH_TOKEN"):
        cmd += ["-H", "Authorization: Bearer " + env["BENCH_TOKEN"]]
    p = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                       text=True, env=dict(os.environ, **env), timeout=WRK_SECS + 60)
    m = re.search(r"Requests/sec:\s*([\d.]+)", p.stdout)
    lat = dict(re.findall(r"^\s*(50|99)%\s+(\S+)", p.stdout, re.M))
    if p.returncode or not m or len(lat) != 2:
        sys.exit("bench: wrk failed: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", p.stdout)
    if bad:
        sys.exit("bench: wrk got %s non-2xx responses on %s" % (bad.group(1), path))
    errors = re.search(r"Socket errors:.*", p.stdout)
    if errors:
        print("bench: wrk on %s: %s" % (path, errors.group(0)))
    return float(m.group(1)), wrk_ms(lat["50"]), wrk_ms(lat["99"])


def part_sidecar():
    port = int(os.environ.get("BENCH_SIDECAR_PORT", "0"))
    port2 = int(os.environ.get("BENCH_SIDECAR2_PORT", "0"))
    gport = int(os.environ.get("BENCH_GATEWAY_PORT", "0"))
    token = os.environ.get("BENCH_TOKEN", "")
    out = {"webdis": "not run by make bench (not in Debian, not vendored): measured by hand, "
                     "docs/bench.md"}
    if not shutil.which("wrk"):
        out["skipped"] = "wrk not installed (apt-get install wrk, as root)"
        print("bench: HTTP part skipped: " + out["skipped"])
        save("sidecar", out)
        return
    api = "/api/v1/integrations/reservation/"
    for p in (port, port2):
        st, body = http_get(p, api + peak_id(0), token)
        assert st == 200 and body.get("reservation_id") == peak_id(0), body
    list_path = api + "list?store_id=%s&status=confirmed&date_from=%s&date_to=%s&limit=%s" % (
        PEAK, LIST_FROM, LIST_TO, LIST_LIMIT)
    st, body = http_get(port2, list_path, token)
    assert st == 200 and body.get("count") == int(LIST_LIMIT), body
    if gport:
        st, body = http_get(gport, "/" + peak_id(0))
        assert st == 200 and body.get("reservation_id") == peak_id(0), body
    rounds = 2 if QUICK else ROUNDS
    ids = {"BENCH_IDS": str(PEAK_N), "BENCH_ID_PREFIX": "PK-"}
    get_env = dict(ids, BENCH_PATH=api, BENCH_TOKEN=token)
    n = 5000 if QUICK else 20000
    runners = {
        "sidecar GET 1w": lambda: wrk(port, api, get_env),
        "sidecar GET 2w": lambda: wrk(port2, api, get_env),
        "RESV.GET": lambda: redis_benchmark(["RESV.GET", PEAK, "PK-__rand_int__"], n, PEAK_N),
        "sidecar LIST": lambda: wrk(port2, list_path, {"BENCH_TOKEN": token}),
        "RESV.LIST": lambda: redis_benchmark(
            ["RESV.LIST", PEAK, "STATUS", "confirmed", "FROM", LIST_FROM, "TO", LIST_TO,
             "LIMIT", LIST_LIMIT], n // 4),
    }
    if gport:
        runners["gateway GET"] = lambda: wrk(gport, "/", dict(ids, BENCH_PATH="/"))
    runs = interleave(runners, rounds)

    def http_row(name, key, base, target=None, p99_target=None, chart=None, chart_target=None):
        rps = [x[0] for x in runs[key]]
        row = {"case": name, "rps": round(statistics.median(rps)),
               "p50_ms": round(statistics.median(x[1] for x in runs[key]), 2),
               "p99_ms": round(statistics.median(x[2] for x in runs[key]), 2),
               "runs": [[round(a), b, c] for a, b, c in runs[key]]}
        if base:
            ratios = [a / (b[0] if isinstance(b, tuple) else b) for a, b in zip(rps, runs[base])]
            row.update({"baseline": base, "ratio": round(statistics.median(ratios), 2),
                        "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2)})
        if target is not None:
            row["target"] = target
            row["met"] = row["ratio"] >= target and (p99_target is None or
                                                     row["p99_ms"] < p99_target)
        if p99_target is not None:
            row["p99_target_ms"] = p99_target
        if chart:
            row.update({"chart": chart, "chart_target": chart_target})
        return row

    rows = [http_row("sidecar GET /reservation/{id}, 1 worker", "sidecar GET 1w", "RESV.GET",
                     0.5, 5.0, "HTTP GET 1w / RESV.GET", 0.5),
            http_row("sidecar GET /reservation/{id}, 2 workers", "sidecar GET 2w", "RESV.GET",
                     0.5, 5.0, "HTTP GET 2w / RESV.GET", 0.5),
            http_row("sidecar GET, 2 workers against 1 worker", "sidecar GET 2w",
                     "sidecar GET 1w", chart="HTTP GET 2w / 1w")]
    if gport:
        rows.append(http_row("sidecar GET /reservation/{id}, 1 worker, against the bench's "
                             "gateway", "sidecar GET 1w", "gateway GET", 1.0, None,
                             "HTTP GET 1w / own gateway", 1.0))
        rows.append(http_row("sidecar GET /reservation/{id}, 2 workers, against the bench's "
                             "gateway", "sidecar GET 2w", "gateway GET", 1.0, None,
                             "HTTP GET 2w / own gateway", 1.0))
        rows.append(http_row("the bench's gateway GET /{id} (HGETALL to JSON)", "gateway GET",
                             "RESV.GET"))
    rows.append(http_row("sidecar GET /reservation/list (the LIST case), 2 workers",
                         "sidecar LIST", "RESV.LIST"))
    for r in rows:
        print("bench: %-68s %7d req/s  p50 %5.2f ms  p99 %5.2f ms  ratio %s" % (
            r["case"], r["rps"], r["p50_ms"], r["p99_ms"],
            "%.2f to %s" % (r["ratio"], r["baseline"]) if "ratio" in r else "-"))
    out.update({
        "rows": rows, "redis_ops": {k: round(statistics.median(runs[k]))
                                    for k in ("RESV.GET", "RESV.LIST")},
        "http_clients": HTTP_CLIENTS, "wrk_threads": 1, "wrk_seconds": WRK_SECS,
        "rounds": rounds, "redis_benchmark": "-c %d -P 1" % CLIENTS,
        "load_average": os.getloadavg()})
    save("sidecar", out)


# ---- the report ----

def chart(cmp_, sc, path):
    """A PNG bar chart (gnuplot) of every ratio against its target: what reached its
    mark and what did not, at a glance. Skipped with a message without gnuplot."""
    bars = []  # label, ops/s ratio, server-time ratio, instruction ratio, target
    cg = (cmp_ or {}).get("callgrind") or {}
    for r in (cmp_ or {}).get("rows", []):
        short = r["command"].split(" STATUS")[0].split(" QUERY")[0].replace(
            "RESV.UPSERT ", "UPSERT ")
        c = cg.get(r["command"], {})
        if "ratio_lean" in r:
            bars.append((short + (" / RESV.GET" if short == "RESV.FIND" else " / lean"),
                         r["ratio_lean"], r["server_ratio_lean"],
                         c.get("ratio_lean_over_module"), r["target"]))
        if "ratio_full" in r:
            bars.append((short + " / full Lua", r["ratio_full"], r["server_ratio_full"],
                         c.get("ratio_full_over_module"), None))
    for r in (sc or {}).get("rows", []):
        if "ratio" in r and r.get("chart"):
            bars.append((r["chart"], r["ratio"], None, None, r.get("chart_target")))
    if not bars or not shutil.which("gnuplot"):
        print("bench: no chart (%s)" % ("gnuplot not installed" if bars else "no data"))
        return None
    dat = os.path.join(TMP, "chart.dat")
    with open(dat, "w") as f:
        for b in bars:
            f.write('"%s" %s\n' % (b[0], " ".join("NaN" if x is None else str(x)
                                                   for x in b[1:])))
    term = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    png = "pngcairo" if "pngcairo" in term.stdout + term.stderr else "png"
    script = """
set terminal %s size 1300,600 font ",10"
set rmargin 16
set output "%s"
set title "make bench %s: medians of interleaved rounds"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30 left
set yrange [0:*]
set grid ytics
set key outside top center horizontal
set ylabel "this project / baseline (higher is faster)"
plot "%s" using 2:xtic(1) title "ops/s (redis-benchmark, wrk)" lc rgb "#3b75af", \\
     "" using 3 title "server time per call (INFO commandstats)" lc rgb "#7fb27f", \\
     "" using 4 title "instructions per call (callgrind)" lc rgb "#9d7fbf", \\
     "" using 5 title "target" lc rgb "#e0a030"
""" % (png, path, time.strftime("%Y-%m-%d"), dat)
    p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    if p.returncode:
        print("bench: gnuplot failed: " + p.stderr[-300:])
        return None
    return path


FLOOR = "bench-floor"
FLOOR_DAY = "2024-03-01"


def load_floor(c):
    """The floor's store: 20 tables (half of them joinable in pairs), a day of 200
    bookings (60 holding a table, 11:00..20:30 in 30-minute steps) and 28 other days of
    70 bookings each. Until 2026-12-01 evening 40 of the 60 were refused unseen (a party
    over the table's seats, or a second hold of one table at one time), so the day had
    160 bookings and 20 holds."""
    S = FLOOR
    cmds = []
    for i in range(20):
        cmds.append(["RESV.TABLE.SET", S, "T%02d" % i, "SEATS", str(2 + i % 6)] +
                    (["JOINS", "T%02d" % (i + 1)] if i % 2 == 0 else []))
    for d in range(1, 29):
        for k in range(70):
            cmds.append(["RESV.UPSERT", S, "H%02d%03d" % (d, k), "reservation_date",
                         "2024-02-%02d" % d, "reservation_time",
                         "%02d:%02d" % (11 + k % 10, (k % 2) * 30), "customer_count", "4",
                         "status", "completed"])
    for k in range(200):
        h, m = 11 + (k % 20) // 2, (k % 2) * 30
        # the 60 with a table: each table three times, 3 hours or more apart, a party
        # that fits it (every write here must be accepted)
        t = (k + 7 * (k // 20)) % 20
        party = min(1 + k % 6, 2 + t % 6) if k < 60 else 1 + k % 6
        cmds.append(["RESV.UPSERT", S, "D%03d" % k, "reservation_date", FLOOR_DAY,
                     "reservation_time", "%02d:%02d-%02d:%02d" % (h, m, h + 1, m),
                     "customer_count", str(party), "status", "confirmed"] +
                    (["table_number", "T%02d" % t] if k < 60 else []))
    got = pipeline(c, cmds)
    bad = [g for g in got if isinstance(g, RespError)]
    if bad:
        sys.exit("bench: loading the floor store failed: %r" % bad[:3])


FLOOR_CASES = (("availability", ["RESV.AVAILABILITY", FLOOR, FLOOR_DAY]),
               ("availability_party_4", ["RESV.AVAILABILITY", FLOOR, FLOOR_DAY, "PARTY", "4"]),
               ("stats_same_day", ["RESV.STATS", FLOOR, "FROM", FLOOR_DAY, "TO", FLOOR_DAY]))


def floor_pacing_writes(k):
    """k writes through pacing (max_covers_per_slot on): the party of bookings of the
    day changes (3 <-> 4), so each write counts its slot."""
    return [["RESV.UPSERT", FLOOR, "D%03d" % (60 + j % 140), "customer_count",
             "3" if (j // 140) % 2 == 0 else "4"] for j in range(k)]


def floor_callgrind():
    """Instructions per call of the floor's cases, and of a write through pacing."""
    result = {}
    with CallgrindServer() as cg:
        if cg.skipped:
            return {"skipped": cg.skipped}
        load_floor(cg.client)
        for name, argv in FLOOR_CASES:
            result[name] = cg.measure([argv] * 50)
        cg.client.call("RESV.STORE.SET", FLOOR, "max_covers_per_slot", "9999")
        result["upsert_party_paced"] = cg.measure(floor_pacing_writes(200))
    return result


def part_floor():
    """RESV.AVAILABILITY over a day of 200 bookings (60 holding one of 20 tables) in a
    store with 28 other days of 70 bookings each, as server time per call (INFO
    commandstats usec_per_call); RESV.STATS of the same day beside it, for scale on a
    shared machine. The days around do not change it: it reads one day's partitions.
    Then the same under callgrind (instructions per call), with a write through pacing."""
    c = Client(PORT)
    load_floor(c)
    out = {"bookings_that_day": 200, "other_bookings": 28 * 70, "tables": 20}
    for name, argv in FLOOR_CASES:
        runs = []
        for _ in range(ROUNDS):
            c.call("CONFIG", "RESETSTAT")
            pipeline(c, [argv] * (200 if QUICK else 1000))
            stat = info_field(c, "commandstats", "cmdstat_" + argv[0].lower())
            runs.append(float(re.search(r"usec_per_call=([\d.]+)", stat).group(1)))
        out[name + "_usec_per_call"] = statistics.median(runs)
        out[name + "_usec_per_call_runs"] = runs
    out["target_usec"] = 100
    out["load_average"] = os.getloadavg()[0]
    c.close()
    if os.environ.get("BENCH_CALLGRIND", "1") != "0" and shutil.which("valgrind"):
        out["callgrind"] = floor_callgrind()
    save("floor", out)


def part_report():
    mem, cmp_, sc = load("memory"), load("compare"), load("sidecar")
    out = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "quick": QUICK,
           "redis": subprocess.run(["redis-server", "--version"], capture_output=True,
                                   text=True).stdout.strip(),
           "cpus": os.cpu_count(), "memory": mem, "module": cmp_, "http": sc}
    print()
    if cmp_:
        pk = cmp_["peak_store"]
        print("== module (redis-benchmark -c %d, median of %d interleaved rounds; one store of "
              "%d reservations) ==" % (CLIENTS, ROUNDS, pk["reservations"]))
        print("%-56s %3s %9s %9s %9s %6s %6s  %-12s %s" % (
            "command", "-P", "module", "lean", "full Lua", "/lean", "/full", "target",
            "server time per call: module, lean, full (us), /lean, /full"))
        for r in cmp_["rows"]:
            o, u = r["ops"], r["server_usec_per_call"]
            print("%-56s %3d %9d %9s %9s %6s %6s  %-12s %.1f %s %s  %s %s" % (
                r["command"], r["pipeline"], o["module"], o.get("lean", "-"), o.get("full", "-"),
                fmt2(r.get("ratio_lean")), fmt2(r.get("ratio_full")),
                "-" if r["target"] is None else ">=%.1f %s" % (
                    r["target"], "met" if r.get("met") else "NOT met"),
                u["module"], "%.1f" % u["lean"] if "lean" in u else "-",
                "%.1f" % u["full"] if "full" in u else "-",
                fmt2(r.get("server_ratio_lean")), fmt2(r.get("server_ratio_full"))))
            if r.get("find"):
                print("  (RESV.FIND: its 'lean' column is %s)" % r["lean_baseline"])
        cg = cmp_.get("callgrind")
        if cg and "skipped" not in cg:
            print("callgrind, server instructions per call (module / lean / full Lua):")
            for k, v in cg.items():
                print("  %-56s %9d %9s %9s" % (
                    k, v["module_instructions_per_call"],
                    v.get("lean_instructions_per_call", "-"),
                    v.get("full_lua_instructions_per_call", "-")))
        elif cg:
            print("callgrind skipped: " + cg["skipped"])
    if mem:
        print()
        print("== memory: %d reservations in %d stores ==" % (mem["reservations"], mem["stores"]))
        print("the reservation itself (record + index entries + owner key, MEMORY USAGE): "
              "%.0f bytes (target < 1024: %s)" % (mem["reservation_itself_bytes"],
                                                  "met" if mem["met"] else "NOT met"))
        if "lookup_index_bytes" in mem:
            print("  of which FIND's lookup index %.0f; without it %.0f (%s)" % (
                mem["lookup_index_bytes"], mem["reservation_itself_without_lookup_bytes"],
                "met" if mem["met_without_lookup"] else "NOT met"))
        print("its audit trail, apart: %.0f bytes" % mem["audit_trail_bytes"])
        print("used_memory delta per reservation, everything: %.0f (without the audit trail %.0f)"
              % (mem["bytes_per_reservation"], mem["bytes_per_reservation_without_history"]))
        print("  MEMORY USAGE by kind, per reservation:")
        for k, v in mem["memory_usage_by_kind_per_reservation"].items():
            print("    %-16s %8.1f" % (k, v))
        one = mem["one_reservation"]
        print("  one record hash %s B (%s), one history list %s B (%s, %s B of data), "
              "owner key %s B" % (
                  one["record hash"], one["record encoding"], one["history list (1 entry)"],
                  one["history encoding"], one["history entry bytes (the list element)"],
                  one["owner key"]))
        alt = mem.get("all_statuses_partition_per_day")
        if alt:
            print("  an all-statuses partition per day (not kept) would add %.1f B per "
                  "reservation (%d keys, %s)" % (alt["bytes_per_reservation"], alt["keys"],
                                                 alt["encodings"]))
        h10 = mem.get("history_list_10_entries")
        if h10:
            print("  one history list of 10 entries: %s B (%s B of data), %.0f B per added entry" %
                  (h10["memory_usage"], h10["element_bytes"], h10["bytes_per_added_entry"]))
        if cmp_:
            print("  one store of %d reservations (skiplist partitions): %.0f bytes each, "
                  "used_memory delta with everything" % (
                      cmp_["peak_store"]["reservations"],
                      cmp_["peak_store"]["bytes_per_reservation"]))
    if sc:
        print()
        print("== HTTP (wrk -t1 -c%d --latency; Redis baselines redis-benchmark -c %d -P 1) ==" %
              (HTTP_CLIENTS, CLIENTS))
        if sc.get("skipped"):
            print("skipped: " + sc["skipped"])
        for r in sc.get("rows", []):
            print("%-68s %7d req/s  p50 %5.2f ms  p99 %5.2f ms  %s%s" % (
                r["case"], r["rps"], r["p50_ms"], r["p99_ms"],
                "ratio %.2f to %s" % (r["ratio"], r["baseline"]) if "ratio" in r else "",
                "" if "target" not in r else "  (target >= %.1f%s: %s)" % (
                    r["target"], ", p99 < %.0f ms" % r["p99_target_ms"]
                    if "p99_target_ms" in r else "", "met" if r["met"] else "NOT met")))
        if sc.get("redis_ops"):
            print("Redis unpipelined: %s" % ", ".join(
                "%s %d ops/s" % kv for kv in sc["redis_ops"].items()))
        print("webdis: " + sc["webdis"])
    fl = load("floor")
    if fl:
        out["floor"] = fl
        print()
        print("== floor: RESV.AVAILABILITY, a day of %d bookings, %d tables (server usec per "
              "call, median of %d; load average %.1f) ==" % (fl["bookings_that_day"],
                                                             fl["tables"], ROUNDS,
                                                             fl["load_average"]))
        for k, _ in FLOOR_CASES:
            print("  %-24s %8.1f" % (k, fl[k + "_usec_per_call"]))
        cg = fl.get("callgrind")
        if cg and "skipped" not in cg:
            print("callgrind, server instructions per call:")
            for k, v in cg.items():
                print("  %-24s %9s" % (k, v))
        elif cg:
            print("callgrind skipped: " + cg["skipped"])
    d = os.path.join(TOP, "build", "bench")
    os.makedirs(d, exist_ok=True)
    png = chart(cmp_, sc, os.path.join(d, "latest.png"))
    out["chart"] = png and "build/bench/latest.png"
    with open(os.path.join(d, "latest.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print()
    print("bench: written to build/bench/latest.json%s" % (png and " and latest.png" or ""))


if __name__ == "__main__":
    parts = {"memory": part_memory, "compare": part_compare, "sidecar": part_sidecar,
             "floor": part_floor, "report": part_report}
    if len(sys.argv) != 2 or sys.argv[1] not in parts:
        sys.exit("usage: bench.py memory|compare|sidecar|floor|report")
    parts[sys.argv[1]]()

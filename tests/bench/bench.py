#!/usr/bin/env python3
"""The parts of `make bench` (tests/bench/run.sh starts the servers and calls these):

    bench.py memory    load N realistic reservations into the fresh server, bytes each
    bench.py compare   RESV.* against Lua scripts doing the same work (redis-benchmark)
    bench.py sidecar   HTTP reads through the sidecar (wrk) against the same reads
                       straight to Redis (redis-benchmark)
    bench.py floor     RESV.AVAILABILITY of a day of 200 bookings: server time per call
    bench.py report    the table on stdout and build/bench/latest.json

Every throughput figure is a ratio of two runs made in the same minute on the same
server, interleaved, median over rounds: the machine is shared, so absolute numbers
move, ratios much less. Environment (set by run.sh): BENCH_PORT, BENCH_TMP,
BENCH_QUICK, BENCH_SIDECAR_PORT, BENCH_TOKEN."""
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
from harness import Client, RespError  # noqa: E402  (the tests' RESP client)

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
PIPELINE = 16
HTTP_CLIENTS = 32


def store_name(k):
    return "store-%03d" % (k + 1)


def res_id(i):
    # redis-benchmark's __rand_int__ expands to 12 digits: RES-__rand_int__ hits these
    return "RES-%012d" % i


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


def reservation_fields(rng, i):
    day = 1 + rng.randrange(59)  # February and March 2024
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
    m = re.match(r"resv:\{[^}]*\}:(r|h|i|days|changes|tables|outbox|failures|msg)(:(.*))?$", k)
    if not m:
        return "other"
    return {"r": "record hash", "h": "history list", "changes": "change feed",
            "i": "index partitions", "days": "day index"}.get(m.group(1), m.group(1))


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
        "target_bytes": 1024, "met": per < 1024,
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
    c.close()
    save("memory", out)
    print("bench: memory: %d reservations, %.0f bytes each (%s)" %
          (N, per, "under 1024" if per < 1024 else "NOT under 1024"))


# ---- part 1: module against Lua ----

def redis_benchmark(argv, n, r=None, clients=CLIENTS, pipe=PIPELINE):
    cmd = ["redis-benchmark", "-p", str(PORT), "-n", str(n), "-c", str(clients),
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


def interleave(a_argv, b_argv, r, cap, rounds=ROUNDS, **kw):
    """Calibrates n on side a, then runs a and b alternately (a first in even rounds, b
    first in odd ones). -> lists of a and b ops/s."""
    probe = redis_benchmark(a_argv, 2000 if QUICK else 5000, r, **kw)
    n = int(min(max(probe * TARGET_SECS, 1000), cap))
    ra, rb = [], []
    for i in range(rounds):
        if i % 2 == 0:
            ra.append(redis_benchmark(a_argv, n, r, **kw))
            rb.append(redis_benchmark(b_argv, n, r, **kw))
        else:
            rb.append(redis_benchmark(b_argv, n, r, **kw))
            ra.append(redis_benchmark(a_argv, n, r, **kw))
    return n, ra, rb


def part_compare():
    c = Client(PORT)
    sha = {name: script_load(c, name + ".lua") for name in ("get", "list", "upsert")}
    s0 = store_name(0)
    notes = "客户是VIP会员，第__rand_int__次到店"
    cases = [
        ("RESV.GET", ["RESV.GET", s0, "RES-__rand_int__"],
         ["EVALSHA", sha["get"], "1", s0, "RES-__rand_int__"], PER, 10**7, None),
        ("RESV.LIST (STATUS, LIMIT 20)", ["RESV.LIST", s0, "STATUS", "confirmed", "LIMIT", "20"],
         ["EVALSHA", sha["list"], "1", s0, "STATUS", "confirmed", "LIMIT", "20"], None, 10**6,
         None),
        ("RESV.UPSERT (update notes)", ["RESV.UPSERT", s0, "RES-__rand_int__", "notes", notes],
         ["EVALSHA", sha["upsert"], "1", s0, "RES-__rand_int__", "notes", notes], PER,
         10**6, "updated"),
        # creates add data: capped so the default run stays well under 1 GB
        ("RESV.UPSERT (create)", ["RESV.UPSERT", "bench-mod", "NEWM-__rand_int__"] + SEED_FIELDS,
         ["EVALSHA", sha["upsert"], "1", "bench-lua", "NEWL-__rand_int__"] + SEED_FIELDS,
         10**12, 5000 if QUICK else 30000, None),
    ]
    rows = []
    for name, mod, lua, r, cap, want in cases:
        sanity(c, mod, want)
        sanity(c, lua, want)
        n, m, lu = interleave(mod, lua, r, cap)
        ratios = [a / b for a, b in zip(m, lu)]
        row = {"command": name, "requests_per_run": n, "rounds": len(m),
               "module_ops": round(statistics.median(m)), "lua_ops": round(statistics.median(lu)),
               "ratio": round(statistics.median(ratios), 2),
               "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2),
               "module_runs": [round(x) for x in m], "lua_runs": [round(x) for x in lu]}
        rows.append(row)
        print("bench: %-30s module %8d ops/s  lua %8d ops/s  ratio %.2f" %
              (name, row["module_ops"], row["lua_ops"], row["ratio"]))
    out = {"clients": CLIENTS, "pipeline": PIPELINE, "rows": rows,
           "lua_scripts": ["tests/bench/get.lua", "tests/bench/list.lua",
                           "tests/bench/upsert.lua"]}
    if os.environ.get("BENCH_CALLGRIND", "1") != "0" and shutil.which("valgrind"):
        out["callgrind"] = callgrind(sha, cases)
    c.close()
    save("compare", out)


# ---- optional: instructions per command under callgrind ----

def callgrind(sha, cases):
    """A second redis-server under callgrind: instructions executed by the server for a
    batch of each command (zeroed and dumped around the batch with callgrind_control).
    Counts are repeatable whatever else the machine does."""
    if not shutil.which("callgrind_control"):
        return {"skipped": "callgrind_control not found"}
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = os.path.join(TMP, "callgrind")
    os.makedirs(d, exist_ok=True)
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(d, "cg.%p"),
         "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
         "--appendonly", "no", "--loadmodule", os.path.join(TOP, "module", "resv.so"),
         "--logfile", "redis.log"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = {}
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = Client(port)
                c.call("PING")
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    return {"skipped": "redis-server did not start under valgrind"}
                time.sleep(0.3)
        rng = random.Random(1)
        per = 200
        pipeline(c, [["RESV.UPSERT", "store-001", res_id(i)] + reservation_fields(rng, i)
                     for i in range(per)])
        for name in ("get", "list", "upsert"):
            script_load(c, name + ".lua")
        batch = 200

        def measure(argvs):
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True,
                           timeout=120)
            pipeline(c, argvs)
            subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True,
                           timeout=120)
            dumps = [f for f in os.listdir(d) if re.match(r"cg\.%d\.\d+$" % proc.pid, f)]
            if not dumps:
                return None
            last = max(dumps, key=lambda f: int(f.rsplit(".", 1)[1]))
            with open(os.path.join(d, last)) as f:
                m = re.search(r"^summary:\s*(\d+)", f.read(), re.M)
            return int(m.group(1)) if m else None

        def argvs(template, k):
            subst = {"RES-": lambda j: res_id(j % per), "NEWM-": lambda j: "CGM-%d" % j,
                     "NEWL-": lambda j: "CGL-%d" % j}
            out = []
            for j in range(k):
                a = []
                for x in template:
                    if "__rand_int__" in x:
                        pre = x.split("__rand_int__")[0]
                        x = subst[pre](j) if pre in subst else x.replace("__rand_int__", str(j))
                    a.append(x)
                out.append(a)
            return out

        for name, mod, lua, _, _, _ in cases:
            # a script's sha is the SHA1 of its text: the same on both servers
            m = measure(argvs(mod, batch))
            lu = measure(argvs(lua, batch))
            if m and lu:
                result[name] = {"module_instructions_per_call": m // batch,
                                "lua_instructions_per_call": lu // batch,
                                "ratio_lua_over_module": round(lu / m, 2)}
        c.close()
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return result


# ---- part 3: the sidecar ----

def http_get(port, path, token):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())


def wrk(port, path, token, script=None):
    cmd = ["wrk", "-t1", "-c%d" % HTTP_CLIENTS, "-d%ds" % WRK_SECS, "--timeout", "5s"]
    if script:
        cmd += ["-s", os.path.join(HERE, script)]
    else:
        cmd += ["-H", "Authorization: Bearer " + token]
    env = dict(os.environ, BENCH_TOKEN=token, BENCH_IDS=str(PER))
    p = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                       text=True, env=env, timeout=WRK_SECS + 60)
    m = re.search(r"Requests/sec:\s*([\d.]+)", p.stdout)
    if p.returncode or not m:
        sys.exit("bench: wrk failed: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", p.stdout)
    errors = re.search(r"Socket errors:.*", p.stdout)
    if bad:
        sys.exit("bench: wrk got %s non-2xx responses on %s" % (bad.group(1), path))
    return float(m.group(1)), errors.group(0) if errors else None


def part_sidecar():
    port = int(os.environ.get("BENCH_SIDECAR_PORT", "0"))
    token = os.environ.get("BENCH_TOKEN", "")
    out = {"webdis": "a generic HTTP-to-Redis gateway (webdis) is not packaged by Debian "
                     "and is not vendored here: no gateway comparison"}
    print("bench: " + out["webdis"])
    if not shutil.which("wrk"):
        out["skipped"] = "wrk not installed (apt-get install wrk, as root)"
        print("bench: sidecar part skipped: " + out["skipped"])
        save("sidecar", out)
        return
    s0 = store_name(0)
    get_path = "/api/v1/integrations/reservation/" + res_id(0)
    list_path = "/api/v1/integrations/reservation/list?store_id=%s&limit=20" % s0
    st, body = http_get(port, get_path, token)
    assert st == 200 and body.get("reservation_id") == res_id(0), body
    st, body = http_get(port, list_path, token)
    assert st == 200 and body.get("count") == 20, body
    rounds = 2 if QUICK else 3
    kw = {"clients": HTTP_CLIENTS, "pipe": 1}
    n = 5000 if QUICK else 20000
    res = {"get": ([], [], []), "list": ([], [], [])}
    notes = []
    for _ in range(rounds):
        # GET through the sidecar is RESV.OWNER then RESV.GET: the Redis baseline is the
        # pair, 1 / (1/owner + 1/get) pairs per second
        rps, e = wrk(port, "/api/v1/integrations/reservation/RES-000000000000", token,
                     "wrk_get.lua")
        notes += [e] if e else []
        o = redis_benchmark(["RESV.OWNER", "RES-__rand_int__"], n, PER, **kw)
        g = redis_benchmark(["RESV.GET", s0, "RES-__rand_int__"], n, PER, **kw)
        pair = 1 / (1 / o + 1 / g)
        res["get"][0].append(rps)
        res["get"][1].append(pair)
        res["get"][2].append(rps / pair)
        rps, e = wrk(port, list_path, token)
        notes += [e] if e else []
        lr = redis_benchmark(["RESV.LIST", s0, "LIMIT", "20"], n // 4, None, **kw)
        res["list"][0].append(rps)
        res["list"][1].append(lr)
        res["list"][2].append(rps / lr)
    rows = []
    for name, path, redis_cmd in [
            ("GET /reservation/{id}", get_path.replace(res_id(0), "RES-<random>"),
             "RESV.OWNER + RESV.GET"),
            ("GET /reservation/list?limit=20", list_path, "RESV.LIST store LIMIT 20")]:
        a, b, r = res["get" if "{id}" in name else "list"]
        rows.append({"endpoint": name, "path": path, "redis_commands": redis_cmd,
                     "sidecar_rps": round(statistics.median(a)),
                     "redis_ops": round(statistics.median(b)),
                     "ratio": round(statistics.median(r), 2), "rounds": rounds})
        print("bench: %-32s sidecar %7d req/s  redis %7d ops/s  ratio %.2f" %
              (name, rows[-1]["sidecar_rps"], rows[-1]["redis_ops"], rows[-1]["ratio"]))
    out.update({"rows": rows, "http_clients": HTTP_CLIENTS, "wrk_threads": 1,
                "wrk_seconds": WRK_SECS, "redis_benchmark_pipeline": 1,
                "socket_errors": notes})
    save("sidecar", out)


# ---- the report ----

def part_floor():
    """RESV.AVAILABILITY over a day of 200 bookings (60 holding one of 20 tables) in a
    store with 28 other days of 70 bookings each, as server time per call (INFO
    commandstats usec_per_call); RESV.STATS of the same day beside it, for scale on a
    shared machine. The days around do not change it: it reads one day's partitions."""
    c = Client(PORT)
    S = "bench-floor"
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
        cmds.append(["RESV.UPSERT", S, "D%03d" % k, "reservation_date", "2024-03-01",
                     "reservation_time", "%02d:%02d-%02d:%02d" % (h, m, h + 1, m),
                     "customer_count", str(1 + k % 6), "status", "confirmed"] +
                    (["table_number", "T%02d" % (k % 20)] if k < 60 else []))
    pipeline(c, cmds)
    out = {"bookings_that_day": 200, "other_bookings": 28 * 70, "tables": 20}
    for name, argv in (("availability", ["RESV.AVAILABILITY", S, "2024-03-01"]),
                       ("availability_party_4", ["RESV.AVAILABILITY", S, "2024-03-01",
                                                 "PARTY", "4"]),
                       ("stats_same_day", ["RESV.STATS", S, "FROM", "2024-03-01", "TO",
                                           "2024-03-01"])):
        runs = []
        for _ in range(ROUNDS):
            c.call("CONFIG", "RESETSTAT")
            pipeline(c, [argv] * (200 if QUICK else 1000))
            stat = info_field(c, "commandstats", "cmdstat_" + argv[0].lower())
            runs.append(float(re.search(r"usec_per_call=([\d.]+)", stat).group(1)))
        out[name + "_usec_per_call"] = statistics.median(runs)
    out["target_usec"] = 100
    out["load_average"] = os.getloadavg()[0]
    c.close()
    save("floor", out)


def part_report():
    mem, cmp_, sc = load("memory"), load("compare"), load("sidecar")
    fl = load("floor")
    out = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "quick": QUICK,
           "redis": subprocess.run(["redis-server", "--version"], capture_output=True,
                                   text=True).stdout.strip(),
           "cpus": os.cpu_count(), "memory": mem, "module_vs_lua": cmp_, "sidecar": sc}
    print()
    print("== module vs Lua (redis-benchmark -c %d -P %d, median of %d interleaved rounds) ==" %
          (CLIENTS, PIPELINE, ROUNDS))
    print("%-30s %12s %12s %7s" % ("command", "module ops/s", "lua ops/s", "ratio"))
    for r in (cmp_ or {}).get("rows", []):
        print("%-30s %12d %12d %7.2f" % (r["command"], r["module_ops"], r["lua_ops"], r["ratio"]))
    cg = (cmp_ or {}).get("callgrind")
    if cg and "skipped" not in cg:
        print("callgrind, server instructions per call (module / lua):")
        for k, v in cg.items():
            print("  %-28s %9d %9d  lua/module %.2f" % (
                k, v["module_instructions_per_call"], v["lua_instructions_per_call"],
                v["ratio_lua_over_module"]))
    if mem:
        print()
        print("== memory: %d reservations in %d stores ==" % (mem["reservations"], mem["stores"]))
        print("bytes per reservation (used_memory delta): %.0f  (target < 1024: %s)" %
              (mem["bytes_per_reservation"], "met" if mem["met"] else "NOT met"))
        print("  without its history list: %.0f" % mem["bytes_per_reservation_without_history"])
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
    if sc:
        print()
        print("== sidecar (wrk -t1 -c%d) vs the same reads straight to Redis "
              "(redis-benchmark -c%d -P1) ==" % (HTTP_CLIENTS, HTTP_CLIENTS))
        if sc.get("skipped"):
            print("skipped: " + sc["skipped"])
        for r in sc.get("rows", []):
            print("%-32s sidecar %7d req/s  redis %7d ops/s  ratio %.2f" % (
                r["endpoint"], r["sidecar_rps"], r["redis_ops"], r["ratio"]))
        print(sc["webdis"])
    if fl:
        out["floor"] = fl
        print()
        print("== floor: RESV.AVAILABILITY, a day of %d bookings, %d tables (server usec per "
              "call, median of %d; load average %.1f) ==" % (fl["bookings_that_day"],
                                                             fl["tables"], ROUNDS,
                                                             fl["load_average"]))
        for k in ("availability", "availability_party_4", "stats_same_day"):
            print("  %-24s %8.1f" % (k, fl[k + "_usec_per_call"]))
    os.makedirs(os.path.join(TOP, "build", "bench"), exist_ok=True)
    path = os.path.join(TOP, "build", "bench", "latest.json")
    with open(path, "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print()
    print("bench: written to build/bench/latest.json")


if __name__ == "__main__":
    parts = {"memory": part_memory, "compare": part_compare, "sidecar": part_sidecar,
             "floor": part_floor, "report": part_report}
    if len(sys.argv) != 2 or sys.argv[1] not in parts:
        sys.exit("usage: bench.py memory|compare|sidecar|floor|report")
    parts[sys.argv[1]]()

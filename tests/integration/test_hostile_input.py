"""Hostile input, whatever the bytes: "bad input gets a clear error that names the
field, and changes nothing; no crash, no half write, no silent truncation, no leak".

1. Module, protocol level: random RESV.* commands (random argument counts; values mixed
   from valid ones, edge values and keyword-like words in every position). Every reply
   must parse; an error must be one line starting with ERR/NOTFOUND/CONFLICT/WRONGTYPE
   and leave DEBUG DIGEST unchanged; a written text field reads back byte for byte; the
   server answers PING after each batch; at the end the index invariants of
   test_index_random.py hold.
2. Module, hostile stored data: records, index keys, audit lists, outbox and failure
   log written by hand (HSET/SET/ZADD/RPUSH/XADD) in malformed shapes, then every read
   and write command against them: no crash, well-formed replies, a refusal changes
   nothing.
3. Sidecar, HTTP level: random methods, paths, query strings, JSON bodies (wrong types,
   nulls, nesting, huge numbers, duplicate keys, invalid UTF-8, 10k-item bulk),
   Authorization and webhook headers. Every response is well-formed HTTP, its status in
   the documented set (503 with Retry-After), a JSON body (libevent's own 400/413/501
   pages excepted) and a JSON error with a code and a non-empty message. Then raw-socket
   abuse (garbage, missing CRLF, short body, silent and slowloris clients). The sidecar
   must still answer, and exit 0 on SIGTERM (under ASan: no leak).

Run under the sanitizers with RESV_ASAN=1 (make asan first). RESV_SEED=<n> replays a
run; RESV_HOSTILE_N=<x> scales the random counts (default 1)."""
import json
import os
import random
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_index_random  # noqa: E402
from harness import ASAN, Redis, RespError, pairs  # noqa: E402
from sidecar_harness import API, Sidecar, make_jwt, webhook_headers  # noqa: E402

SEED = int(os.environ.get("RESV_SEED", random.randrange(1 << 30)))
SCALE = float(os.environ.get("RESV_HOSTILE_N", "1"))
print("test_hostile_input seed=%d scale=%g (RESV_SEED=%d replays)" % (SEED, SCALE, SEED))
sys.stdout.flush()


def n_of(count):
    return max(1, int(count * SCALE))


ERROR_CODES = ("ERR", "NOTFOUND", "CONFLICT", "WRONGTYPE")
STATUSES = test_index_random.STATUSES
KEYWORDS = ["STATUS", "FROM", "TO", "LIMIT", "CURSOR", "COUNT", "ORIGIN", "ACTOR", "EVENT",
            "PAYLOAD", "MSGID", "ARRIVAL", "TABLE", "CLAIM", "OK", "FAILED", "BUCKET",
            "status", "limit", "ok", "failed"]
MODEL_FIELDS = ["id", "system_id", "store_id", "reservation_id", "external_reservation_id",
                "reservation_number", "customer_name", "customer_phone", "customer_count",
                "reservation_date", "reservation_time", "arrival_time", "table_type",
                "table_number", "area", "status", "special_requirements", "notes",
                "deposit_required", "deposit_amount", "deposit_paid", "source", "channel",
                "sync_status", "synced_at", "created_at", "updated_at", "sync_error"]
# Fields stored exactly as given (no canonical form): a successful write must read back
# byte for byte, never truncated.
VERBATIM = {"system_id", "external_reservation_id", "reservation_number", "customer_name",
            "customer_phone", "table_type", "table_number", "area", "special_requirements",
            "notes", "source", "channel"}
SYSTEM_FIELDS = ["id", "name", "type", "provider", "status", "store_id", "config",
                 "webhook_secret", "last_error", "last_pull_at", "created_at", "updated_at"]
COMMANDS = ["RESV.UPSERT", "RESV.GET", "RESV.LIST", "RESV.STATUS", "RESV.DEL", "RESV.STATS",
            "RESV.TABLES", "RESV.HISTORY", "RESV.OUTBOX", "RESV.PUSHED", "RESV.FAILURES",
            "RESV.RESYNC", "RESV.OWNER", "RESV.SYSTEM.CREATE", "RESV.SYSTEM.GET",
            "RESV.SYSTEM.LIST", "RESV.SYSTEM.SET", "RESV.SYSTEM.DEL", "RESV.STORE.SET",
            "RESV.STORE.GET", "RESV.LEASE", "RESV.FIND", "RESV.TABLE.SET", "RESV.TABLE.DEL", "RESV.AVAILABILITY",
            "RESV.WAIT.ADD", "RESV.WAIT.LIST", "RESV.WAIT.SEAT", "RESV.WAIT.DEL"]
FLOOR_TABLES = ["A1", "A2", "B2", "A1+A2", "A1+A1", "桌-8", "", "+"]
SETTINGS = {"timezone": ["Asia/Shanghai", "America/Los_Angeles", "UTC", "", "Etc/GMT+5",
                         "../../etc/passwd", "Asia/Nowhere", "posixrules"],
            "no_show_after_minutes": ["0", "15", "1440", "1441", "-1", ""],
            "slot_minutes": ["30", "4", "240", ""], "turn_minutes": ["90", "14", "720", ""]}
STORES = ["hs-a", "hs-b", "门店-c"]
IDS = ["R1", "R2", "R3", "R4", "预订-5", "R6"]
TABLES = ["A1", "A2", "桌-3"]

EDGE = [b"", b"x" * 65536, "张".encode() * 30000, b"a\x00b", b"\x00", b"R1\x00", b"\xff\xfe",
        b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
        b"\x80", b"\xe5\xbc", b"{", b"}", b"{hs-a}", b"a{b}c", b"a b", b"a/b", b"..", b"\t",
        b"\r\n", b"a\r\nb", b"a\nb", b"\x1b[31m", b"\x7f", b"%s%n%p", b"*1\r\n$4\r\nPING\r\n",
        b"9" * 40, b"-1", b"-0", b"0", b"1", b"+1", b" 1", b"1 ", b"0x10", b"1.5", b"1e3",
        b"1e400", b"-1e400", b"-inf", b"inf", b"+inf", b"nan", b"NaN", b"9999", b"10000",
        b"2147483648", b"-2147483649", b"9223372036854775807", b"9223372036854775808",
        b"-9223372036854775809", b"18446744073709551616", b"0.001", b"999999999.99",
        b"1000000000", b"24:00", b"24:00-01:00", b"23:59-24:00", b"18:00-18:00", b"18:60",
        b"99:99", b"18:00-", b"-18:00", b"1800", b"18:00:00", b"2024-02-30",
        b"2024-02-30T00:00:00", b"2023-02-29", b"2024-13-01", b"1969-12-31",
        b"1970-01-01T00:00:00", b"9999-12-31T23:59:59", b"10000-01-01", b"2024-02-15T24:00:00",
        b"2024-02-15T23:59:60", b"2024-02-15 18:00:00", b"2024-02-15T18:00:00Z",
        b"2024-02-15T18:00:00+08:00", b"2024-2-5", b"0000-00-00", b"1708023600:R1",
        b"0-0", b"1-0", b"18446744073709551615-18446744073709551615", b"1-", b"-", b"+",
        b"$", b"*", b"%", "🍜".encode(), "\u202e".encode(), "\ufeff".encode(),
        "张三".encode(), "Zoë".encode()] + [k.encode() for k in KEYWORDS]
VALID = {
    "customer_count": ["1", "2", "4", "9999"],
    "reservation_date": ["2024-02-15", "2024-02-15T00:00:00", "2024-03-01T12:30:00"],
    "reservation_time": ["18:00-20:00", "18:00", "23:00-01:00", "00:00-24:00"],
    "arrival_time": ["2024-02-15T18:05:00"],
    "status": STATUSES,
    "table_number": TABLES,
    "customer_phone": ["13800138000", "+86 (10) 1234-5678"],
    "deposit_required": ["true", "false", "1", "0"],
    "deposit_paid": ["true", "false"],
    "deposit_amount": ["0", "200", "200.5", "999999999.99"],
    "sync_status": ["pending", "success", "failed"],
    "synced_at": ["2024-02-15T18:05:00"],
    "updated_at": ["2024-02-15T18:05:00", "2030-01-01T00:00:00"],
    "system_id": ["sys-1"],
}
TEXT_VALID = ["张三", "Ann", "靠窗\t安静\nok", "x" * 64, "x" * 128]


def b(v):
    return v if isinstance(v, bytes) else str(v).encode()


def as_bytes(reply):
    return reply.encode("utf-8", "surrogateescape") if isinstance(reply, str) else reply


class RandomCommands:
    """Random RESV.* commands; args are bytes."""

    def __init__(self, rng):
        self.rng = rng

    def pick(self, pool):
        return self.rng.choice(pool)

    def value(self, field=None):
        rng = self.rng
        x = rng.random()
        if field and x < 0.45:
            if field in VALID:
                return b(self.pick(VALID[field]))
            return b(self.pick(TEXT_VALID))
        if x < 0.55:
            return b(self.pick(KEYWORDS))
        if x < 0.65:
            return b(self.pick(IDS + STORES + TABLES + STATUSES))
        if x < 0.72:
            return b(self.pick(MODEL_FIELDS + SYSTEM_FIELDS))
        return self.pick(EDGE)

    def store(self):
        return b(self.pick(STORES)) if self.rng.random() < 0.85 else self.value()

    def rid(self):
        return b(self.pick(IDS)) if self.rng.random() < 0.85 else self.value()

    def field_pairs(self, fields, lo, hi):
        out = []
        for _ in range(self.rng.randint(lo, hi)):
            f = self.pick(fields) if self.rng.random() < 0.9 else self.value()
            out += [b(f), self.value(f.decode("utf-8", "replace") if isinstance(f, bytes) else f)]
        return out

    def options(self, names):
        out = []
        for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3])):
            name = self.pick(names)
            if self.rng.random() < 0.3:
                name = name.lower()
            out.append(b(name))
            if self.rng.random() < 0.95:
                out.append(self.opt_value(name.upper()))
        return out

    def opt_value(self, name):
        rng = self.rng
        good = {"STATUS": STATUSES, "FROM": ["2024-02-15", "2024-02-15T18:00:00"],
                "TO": ["2024-02-16", "2024-03-01T00:00:00"], "LIMIT": ["1", "3", "1000"],
                "CURSOR": ["0", "1708023600:R1"], "COUNT": ["1", "5", "1000"],
                "ORIGIN": ["api", "webhook", "sync", "pull"], "ACTOR": ["bob", "张三"],
                "EVENT": ["reservation.updated"], "PAYLOAD": ['{"a":1}', ""],
                "MSGID": ["msg_1", "msg_2"], "ARRIVAL": ["2024-02-15T18:05:00"],
                "TABLE": TABLES, "CLAIM": STORES, "RELEASE": STORES, "BUCKET": ["1", "60", "1440"],
                "QUERY": ["5678", "张", "R1", "N1", "138 0013 5678", "ann"]}
        if name in good and rng.random() < 0.5:
            return b(self.pick(good[name]))
        return self.value()

    def structured(self):
        rng = self.rng
        name = self.pick(COMMANDS)
        s, r = self.store(), self.rid()
        if r.decode("utf-8", "replace") in IDS and rng.random() < 0.8:  # the id's own store
            s = STORES[IDS.index(r.decode()) % len(STORES)].encode()
        if name == "RESV.UPSERT":
            args = [s, r] + self.options(["ORIGIN", "ACTOR", "EVENT", "PAYLOAD", "MSGID"])
            if rng.random() < 0.5:
                args += self.field_pairs(MODEL_FIELDS, 0, 6)
            else:  # a valid-looking write, maybe a creation
                fs = rng.sample(sorted(VALID) + ["customer_name", "notes", "area"], rng.randint(1, 5))
                if rng.random() < 0.5 and "reservation_date" not in fs:
                    fs.append("reservation_date")
                for f in fs:
                    vals = VALID.get(f, TEXT_VALID)
                    args += [f.encode(), b(self.pick(vals))]
            if rng.random() < 0.5:  # shuffle pairs and options together
                pairs_ = [args[i:i + 2] for i in range(2, len(args) - 1, 2)]
                rng.shuffle(pairs_)
                args = args[:2] + [x for p in pairs_ for x in p] + (
                    [args[-1]] if len(args) % 2 else [])
        elif name in ("RESV.GET", "RESV.DEL"):
            args = [s, r]
        elif name == "RESV.LIST":
            args = [s] + self.options(["STATUS", "FROM", "TO", "LIMIT", "CURSOR"])
        elif name == "RESV.STATUS":
            st = b(self.pick(STATUSES)) if rng.random() < 0.8 else self.value()
            args = [s, r, st] + self.options(["ARRIVAL", "TABLE", "ORIGIN", "ACTOR"])
        elif name == "RESV.FIND":
            args = [s] + self.options(["QUERY", "FROM", "TO", "LIMIT"])
            if rng.random() < 0.6:
                args += [b"QUERY", b(self.pick(["5678", "张", "R1", "N1"]))]
        elif name == "RESV.STATS":
            args = [s] + self.options(["FROM", "TO", "BUCKET"])
            if rng.random() < 0.6:
                args += [b"FROM", b"2024-02-01", b"TO", b"2024-04-01"]
        elif name in ("RESV.TABLES", "RESV.FAILURES"):
            args = [s]
        elif name == "RESV.HISTORY":
            args = [s, r] + self.options(["COUNT"])
        elif name == "RESV.OUTBOX":
            args = [s] + self.options(["COUNT"])
        elif name == "RESV.PUSHED":
            args = [s, self.pick([b"1-0", b"0-0", b"1708023600000-0", self.value()]),
                    self.pick([b"OK", b"FAILED", b"ok", self.value()])]
            if rng.random() < 0.6:
                args.append(self.value("notes"))
            if rng.random() < 0.3:
                args += [b"LEASE", self.pick([b"sc-a", b"sc-b", self.value()])]
        elif name == "RESV.LEASE":
            ms = self.pick([b"0", b"60000", b"86400000", self.value()])
            if ms.isdigit() and 0 < int(ms) < 60000:
                ms = b"60000"  # a lease that lapses mid-check would change the digest
            args = [s, self.pick([b"push", b"pull:sys-1", self.value()]),
                    self.pick([b"sc-a", b"sc-b", self.value()]), ms]
        elif name == "RESV.RESYNC":
            args = [s] + ([r] if rng.random() < 0.5 else [])
        elif name == "RESV.OWNER":
            args = [r] + self.options(["CLAIM", "RELEASE"])
        elif name == "RESV.SYSTEM.CREATE":
            args = self.field_pairs(SYSTEM_FIELDS, 0, 5)
        elif name in ("RESV.SYSTEM.SET",):
            args = [self.pick([b"sys-1", b"sys-2", self.value()])] + self.field_pairs(
                SYSTEM_FIELDS, 0, 4)
        elif name == "RESV.SYSTEM.LIST":
            args = []
        elif name == "RESV.STORE.SET":
            args = [s]
            for f in rng.sample(sorted(SETTINGS) + ["tz", ""], rng.randint(0, 4)):
                args += [f.encode(), b(self.pick(SETTINGS.get(f, ["x"])))]
        elif name in ("RESV.STORE.GET", "RESV.WAIT.LIST"):
            args = [s]
        elif name == "RESV.TABLE.SET":
            args = [s, b(self.pick(FLOOR_TABLES))] + self.options(["SEATS", "AREA", "JOINS"])
            if rng.random() < 0.6:
                args += [b"SEATS", b(self.pick(["4", "0", "1000", "x"]))]
        elif name == "RESV.TABLE.DEL":
            args = [s, b(self.pick(FLOOR_TABLES))]
        elif name == "RESV.AVAILABILITY":
            args = [s, self.pick([b"2024-02-15", b"2024-2-15", self.value()])] + self.options(
                ["PARTY"])
        elif name == "RESV.WAIT.ADD":
            args = [s, self.value("customer_name"), self.value("customer_phone"),
                    b(self.pick(["2", "0", "x"]))]
        elif name in ("RESV.WAIT.SEAT", "RESV.WAIT.DEL"):
            args = [s, self.pick([b"1-0", b"0-1", b"x-1", self.value()])]
            if name == "RESV.WAIT.SEAT":
                args.append(b(self.pick(FLOOR_TABLES)))
        else:
            args = [self.pick([b"sys-1", b"sys-2", self.value()])]
        if rng.random() < 0.15 and args:  # one argument replaced by anything
            args[rng.randrange(len(args))] = self.value()
        if rng.random() < 0.1:
            name = name.lower()
        return [name.encode()] + args

    def unstructured(self):
        name = self.pick(COMMANDS)
        return [name.encode()] + [self.value() for _ in range(self.rng.randint(0, 9))]

    def command(self):
        return self.structured() if self.rng.random() < 0.75 else self.unstructured()


def short(cmd):
    out = []
    for a in cmd:
        a = as_bytes(a) if isinstance(a, str) else a
        out.append(a[:40] + (b"...(%d)" % len(a) if len(a) > 40 else b""))
    return out


def sanitizer_report(text):
    return re.search(r"(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                     r"runtime error:)", text or "")


def try_call(client, *cmd):
    """client.try_call, but an error reply that is not UTF-8 text is a test failure
    (the harness decodes error lines strictly; the line is consumed either way)."""
    try:
        return client.try_call(*cmd)
    except UnicodeDecodeError as e:
        raise AssertionError("error reply is not UTF-8 (%s) for %r" % (e, short(cmd)))


class ModuleCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Redis(aof=False)
        cls.r = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        log = cls.server.log()
        cls.server.close()
        assert not sanitizer_report(log), log

    def digest(self):
        return self.r.call("DEBUG", "DIGEST")

    def alive(self, ctx=""):
        try:
            self.assertEqual("PONG", self.r.call("PING"))
        except (ConnectionError, OSError) as e:
            self.fail("redis-server died (%s) after %s\n%s" % (e, ctx, self.server.log()))

    def check_reply(self, cmd, res, before=None, after=None):
        """A well-formed reply; an error is one line with a known code, and changed
        nothing when before/after digests are given."""
        if isinstance(res, RespError):
            msg = str(res)
            self.assertTrue(msg.split(" ", 1)[0] in ERROR_CODES, "%r -> %r" % (short(cmd), msg))
            self.assertNotIn("\n", msg)
            self.assertNotIn("\r", msg)
            self.assertGreater(len(msg.split(" ", 1)[-1]), 2, "%r -> %r" % (short(cmd), msg))
            if before is not None:
                self.assertEqual(before, after, "refused command changed data: %r -> %s"
                                 % (short(cmd), msg))

    def call(self, cmd, check_digest=True):
        before = self.digest() if check_digest else None
        try:
            res = try_call(self.r, *cmd)
        except (ConnectionError, OSError) as e:
            self.fail("no reply (%s) to %r\n%s" % (e, short(cmd), self.server.log()))
        after = self.digest() if check_digest and isinstance(res, RespError) else None
        self.check_reply(cmd, res, before, after)
        return res


class ModuleProtocolFuzz(ModuleCase):
    def seed_data(self):
        r = self.r
        for i, rid in enumerate(IDS):
            store = STORES[i % len(STORES)]
            r.call("RESV.UPSERT", store, rid, "reservation_date", "2024-02-%02dT00:00:00" % (15 + i),
                   "reservation_time", "18:00-20:00", "customer_count", "2", "status", "confirmed")
        r.call("RESV.STATUS", STORES[0], IDS[0], "seated", "TABLE", TABLES[0])
        r.call("RESV.SYSTEM.CREATE", "id", "sys-1", "name", "Y", "store_id", STORES[0])

    def test_random_commands(self):
        rng = random.Random(SEED)
        gen = RandomCommands(rng)
        self.r.call("FLUSHALL")
        self.seed_data()
        total = n_of(3000)
        full_checks = n_of(600)
        outcomes, errors = {}, 0
        self.used_ids = set()
        t0 = time.time()
        for i in range(total):
            cmd = gen.command()
            check = errors < full_checks or rng.random() < 0.1
            before = self.digest() if check else None
            try:
                res = try_call(self.r, *cmd)
            except (ConnectionError, OSError) as e:
                self.fail("no reply (%s) to %r (seed %d)\n%s" % (e, short(cmd), SEED,
                                                                 self.server.log()))
            if len(cmd) > 2:
                self.used_ids.add(cmd[2].decode("utf-8", "replace"))
            if isinstance(res, RespError):
                errors += 1
                if os.environ.get("RESV_HOSTILE_VERBOSE"):
                    print(short(cmd), res)
                self.check_reply(cmd, res, before, self.digest() if check else None)
                key = str(res).split(" ", 1)[0]
            else:
                key = "ok"
                self.readback(cmd, res)
            outcomes[(cmd[0].decode().upper(), key)] = outcomes.get(
                (cmd[0].decode().upper(), key), 0) + 1
            if i % 200 == 199:
                self.alive(short(cmd))
        self.alive()
        print("protocol fuzz: %d commands, %d errors, %.1fs; outcomes %s" % (
            total, errors, time.time() - t0, sorted(outcomes.items())))
        # something of every kind happened, not only refusals
        self.assertGreater(sum(v for (c, k), v in outcomes.items() if k == "ok"), total // 10)
        self.check_invariants()

    def readback(self, cmd, res):
        """A successful UPSERT stored every verbatim text field exactly as given."""
        if cmd[0].upper() != b"RESV.UPSERT" or res not in ("created", "updated"):
            return
        args = cmd[3:]
        given = {}
        i = 0
        while i + 1 < len(args):
            k = args[i].decode("utf-8", "replace")
            given[k] = args[i + 1]
            i += 2
        got = self.r.call("RESV.GET", cmd[1], cmd[2])
        self.assertIsNotNone(got, short(cmd))
        got = {k: as_bytes(v) for k, v in pairs(got).items()}
        for k, v in given.items():
            if k in VERBATIM and k != "table_number":
                self.assertEqual(v, got.get(k), "%s not stored verbatim by %r" % (k, short(cmd)))

    def check_invariants(self):
        """test_index_random's checker over every store that has keys. sync_status is
        settable by hand, so a record whose pending/failed sync_status has no outbox or
        failure entry (the checker's rule for statuses the module set) is first set to
        success, through the module."""
        for k in self.r.call("KEYS", "resv:{*}:r:*"):
            h = pairs(self.r.call("HGETALL", k))
            if h.get("sync_status") in ("pending", "failed"):
                self.r.call("RESV.UPSERT", h["store_id"], h["reservation_id"],
                            "sync_status", "success")
        # RESV.OWNER ... CLAIM records an owner before any record exists (the cluster
        # path): such claims are dropped here, the checker wants one owner per record.
        for k in self.r.call("KEYS", "resv:owner:*"):
            rid, st = k[len("resv:owner:{"):-1], self.r.call("GET", k)
            if not self.r.call("EXISTS", "resv:{%s}:r:%s" % (st, rid)):
                self.r.call("DEL", k)
        stores, ids = set(), set()
        for k in self.r.call("KEYS", "resv:{*"):
            if not k.startswith("resv:{#sys}:"):  # the systems' keys, not a store's
                stores.add(k[len("resv:{"):k.index("}")])
        for k in self.r.call("KEYS", "resv:owner:*"):
            ids.add(k[len("resv:owner:{"):-1])
        for st in stores:
            for k in self.r.call("KEYS", "resv:{%s}:r:*" % st.replace("*", "\\*")
                                 .replace("?", "\\?").replace("[", "\\[")):
                ids.add(k[len("resv:{%s}:r:" % st):])
        ids |= getattr(self, "used_ids", set())  # outbox entries outlive their records
        checker = test_index_random.IndexRandom("test_random_operations")
        checker.r = self.r
        checker.holds_exact = False  # the fuzz adds and deletes tables along the way
        saved = test_index_random.STORES
        test_index_random.STORES = sorted(stores)
        try:
            checker.check_indexes(ids)
        finally:
            test_index_random.STORES = saved

    def test_error_text_is_utf8(self):
        """Errors quote at most 64 bytes of a bad word: a character cut there, or a word
        that is not UTF-8, is replaced, never sent as broken UTF-8 (regression)."""
        self.r.call("FLUSHALL")
        self.r.call("RESV.UPSERT", "hs-u", "R1", "reservation_date", "2024-02-15")
        for cmd in (["RESV.UPSERT", "hs-u", "R1", "张" * 40, "x"],
                    ["RESV.UPSERT", "hs-u", "R1", b"\xff\xfe", "x"],
                    ["RESV.UPSERT", "hs-u", "R1", b"a\xe5\xbc", "x"],
                    ["RESV.LIST", "hs-u", "张" * 40],
                    ["RESV.LIST", "hs-u", b"\xc0\xaf"],
                    ["RESV.SYSTEM.CREATE", "名" * 30, "x"]):
            e = self.call(cmd)
            self.assertIsInstance(e, RespError, cmd)
            self.assertTrue(str(e).startswith("ERR "), e)
        e = self.call(["RESV.UPSERT", "hs-u", "R1", "张" * 40, "x"])
        self.assertEqual("ERR unknown field '%s?'" % ("张" * 21), str(e))

    def test_each_field_each_edge_value(self):
        """UPSERT of one field with each edge value on an existing reservation: either
        written exactly (verbatim fields) or refused with an error naming the field, data
        unchanged."""
        r = self.r

        def fresh():  # a small data set keeps DEBUG DIGEST fast
            r.call("FLUSHALL")
            r.call("RESV.UPSERT", "hs-f", "BASE", "reservation_date", "2024-02-15",
                   "reservation_time", "18:00", "status", "confirmed", "customer_count", "2",
                   "table_number", "A1")

        values = EDGE + [b(v) for vs in VALID.values() for v in vs]
        for field in MODEL_FIELDS:
            fresh()
            for v in values:
                cmd = [b"RESV.UPSERT", b"hs-f", b"BASE", field.encode(), v]
                res = self.call(cmd)
                if isinstance(res, RespError):
                    msg = str(res)
                    if msg.startswith("ERR"):
                        self.assertIn(field, msg, "error does not name the field: %r -> %s"
                                      % (short(cmd), msg))
                else:
                    self.readback(cmd, res)
            self.alive(field)
        for opt in ("ORIGIN", "ACTOR", "EVENT", "PAYLOAD", "MSGID"):
            fresh()
            for v in EDGE:
                cmd = [b"RESV.UPSERT", b"hs-f", b"BASE", opt.encode(), v, b"notes", b"n"]
                res = self.call(cmd)
                if isinstance(res, RespError) and str(res).startswith("ERR"):
                    self.assertIn(opt, str(res).upper(), "%r -> %s" % (short(cmd), res))
                r.call("RESV.UPSERT", "hs-f", "BASE", "notes", "reset")
        self.check_invariants()


def build_store(r, s="hs"):
    """A small store with every kind of key: records in several statuses, a held table,
    audit lists, an outbox, a failure log, the change feed, owners, a system."""
    r.call("RESV.UPSERT", s, "R1", "reservation_date", "2024-02-15", "reservation_time",
           "18:00-20:00", "customer_count", "4", "status", "confirmed", "customer_name", "张三",
           "customer_phone", "138-0013-5678", "reservation_number", "N1",
           "updated_at", "2024-02-10T10:00:00", "system_id", "sys-1")
    r.call("RESV.UPSERT", s, "R2", "reservation_date", "2024-02-15T00:00:00", "reservation_time",
           "19:00", "customer_count", "2", "status", "confirmed", "system_id", "sys-1")
    r.call("RESV.UPSERT", s, "R3", "reservation_date", "2024-02-16", "status", "pending",
           "system_id", "sys-1")
    r.call("RESV.STATUS", s, "R2", "seated", "TABLE", "A1")
    r.call("RESV.STATUS", s, "R3", "arrived", "ARRIVAL", "2024-02-16T12:00:00")
    ob = r.call("RESV.OUTBOX", s, "COUNT", "10")
    r.call("RESV.PUSHED", s, ob[0][0], "FAILED", "HTTP 500")
    r.call("RESV.SYSTEM.CREATE", "id", "sys-1", "name", "Y", "store_id", s)
    r.call("RESV.STORE.SET", s, "timezone", "Europe/London", "slot_minutes", "15")
    # the floor: an inventory, R1 holding A3 over its slot, a walk-in waiting
    r.call("RESV.TABLE.SET", s, "A1", "SEATS", "4")
    r.call("RESV.TABLE.SET", s, "A3", "SEATS", "6", "JOINS", "A1", "AREA", "窗边")
    r.call("RESV.UPSERT", s, "R1", "table_number", "A3")
    r.call("XADD", "resv:{%s}:wait" % s, "1-1", "name", "n", "phone", "1", "party", "2",
           "added_at", "2024-02-15T18:00:00")


# (description, commands writing the malformed data); S is the store's key prefix.
P = "resv:{hs}:"
CORRUPTIONS = [
    ("customer_count not a number", [["HSET", P + "r:R1", "customer_count", "abc"]]),
    ("customer_count huge", [["HSET", P + "r:R1", "customer_count", "9" * 30]]),
    ("customer_count negative", [["HSET", P + "r:R1", "customer_count", "-5"]]),
    ("customer_count empty", [["HSET", P + "r:R1", "customer_count", ""]]),
    ("reservation_date garbage", [["HSET", P + "r:R1", "reservation_date", "garbage"]]),
    ("reservation_date Feb 30", [["HSET", P + "r:R1", "reservation_date", "2024-02-30T00:00:00"]]),
    ("reservation_date short", [["HSET", P + "r:R1", "reservation_date", "2024"]]),
    ("reservation_date empty", [["HSET", P + "r:R1", "reservation_date", ""]]),
    ("reservation_time garbage", [["HSET", P + "r:R1", "reservation_time", "99:99-xx"]]),
    ("reservation_time short", [["HSET", P + "r:R1", "reservation_time", "1"]]),
    ("updated_at short", [["HSET", P + "r:R1", "updated_at", "2024"]]),
    ("updated_at empty", [["HSET", P + "r:R1", "updated_at", ""]]),
    ("arrival_time short", [["HSET", P + "r:R3", "arrival_time", "x"]]),
    ("status unknown", [["HSET", P + "r:R1", "status", "bogus"]]),
    ("status empty", [["HSET", P + "r:R2", "status", ""]]),
    ("status long", [["HSET", P + "r:R1", "status", "confirmed" * 100]]),
    ("status missing", [["HDEL", P + "r:R1", "status"]]),
    ("reservation_date missing", [["HDEL", P + "r:R1", "reservation_date"]]),
    ("id fields missing", [["HDEL", P + "r:R1", "id", "store_id", "reservation_id"]]),
    ("only an unknown field", [["DEL", P + "r:R1"], ["HSET", P + "r:R1", "zzz", "1"]]),
    ("extra unknown fields", [["HSET", P + "r:R1", "zzz", "1", "", "", "\x00", "\xff"]]),
    ("seated without table", [["HDEL", P + "r:R2", "table_number"]]),
    ("table_number with control bytes", [["HSET", P + "r:R2", "table_number", "A\x00\n1"]]),
    ("text with invalid UTF-8", [["HSET", P + "r:R1", "customer_name", b"\xff\xc0\xaf"]]),
    ("deposit_amount garbage", [["HSET", P + "r:R1", "deposit_amount", "1e400"]]),
    ("big text", [["HSET", P + "r:R1", "notes", "n" * 100000]]),
    ("record is a string", [["DEL", P + "r:R1"], ["SET", P + "r:R1", "x"]]),
    ("record is a list", [["DEL", P + "r:R2"], ["RPUSH", P + "r:R2", "x"]]),
    ("index partition is a string", [["DEL", P + "i:confirmed:2024-02-15"],
                                     ["SET", P + "i:confirmed:2024-02-15", "x"]]),
    ("index partition of a new day is a hash", [["HSET", P + "i:pending:2024-03-01", "a", "b"]]),
    ("days is a string", [["DEL", P + "days"], ["SET", P + "days", "x"]]),
    ("days member garbage", [["ZADD", P + "days", "5", "not-a-day"],
                             ["ZADD", P + "days", "1707955200", "2024-02-15T"]]),
    ("index member without record", [["ZADD", P + "i:confirmed:2024-02-15", "1708020000", "R9"]]),
    ("index member in the wrong partition", [["ZADD", P + "i:no_show:2024-02-15", "1", "R1"]]),
    ("old-style index keys", [["ZADD", P + "i:all", "1", "R1"], ["SET", P + "i:confirmed", "x"]]),
    ("lookup is a string", [["DEL", P + "lookup"], ["SET", P + "lookup", "x"]]),
    ("lookup lists missing reservations and garbage",
     [["HSET", P + "lookup", "p:5678", "R9  R1 R{x} ", "n:N1", "", "x:", "R2", "zzz", "R3"]]),
    ("tables is a string", [["DEL", P + "tables"], ["SET", P + "tables", "x"]]),
    ("table held by a missing record", [["HSET", P + "tables", "B2", "R9", "A3", ""]]),
    ("history with too few NULs", [["RPUSH", P + "h:R1", "a\x00b", "", "no nul at all",
                                    "\x00\x00\x00\x00\x00", "\x00" * 9]]),
    ("history is a string", [["DEL", P + "h:R1"], ["SET", P + "h:R1", "x"]]),
    ("audit list of a failed reservation is a string",  # RESV.RESYNC read freed memory
     [["DEL", P + "h:R2"], ["SET", P + "h:R2", "x"]]),
    ("history is a stream", [["DEL", P + "h:R1"], ["XADD", P + "h:R1", "*", "at", "x"]]),
    ("outbox entry with missing fields", [["XADD", P + "outbox", "*", "reservation_id", "R1"],
                                          ["XADD", P + "outbox", "*", "zzz", "1"]]),
    ("outbox entry of an unknown reservation",
     [["XADD", P + "outbox", "*", "reservation_id", "R9", "external_id", "", "status", "x",
       "arrival_time", "", "table_number", "", "changed_at", ""]]),
    ("outbox is a list", [["DEL", P + "outbox"], ["RPUSH", P + "outbox", "x"]]),
    ("failures malformed", [["HSET", P + "failures", "R1", "short", "R2", "", "R9",
                             "2024-02-15T18:05:00 arrived x"]]),
    ("failures is a string", [["DEL", P + "failures"], ["SET", P + "failures", "x"]]),
    ("changes is a string", [["DEL", P + "changes"], ["SET", P + "changes", "x"]]),
    ("owner of another store", [["SET", "resv:owner:{R1}", "other"]]),
    ("owner is a hash", [["DEL", "resv:owner:{R1}"], ["HSET", "resv:owner:{R1}", "a", "b"]]),
    ("msgid key is a hash", [["HSET", P + "msg:m1", "a", "b"]]),
    ("system fields malformed", [["HSET", "resv:{#sys}:s:sys-1", "status", "bogus", "created_at",
                                  "x", "zzz", "1"], ["HDEL", "resv:{#sys}:s:sys-1", "store_id"]]),
    ("system is a string", [["DEL", "resv:{#sys}:s:sys-1"], ["SET", "resv:{#sys}:s:sys-1", "x"]]),
    ("system index lists a missing system", [["SADD", "resv:{#sys}:all", "ghost", ""]]),
    ("system index is a string", [["DEL", "resv:{#sys}:all"], ["SET", "resv:{#sys}:all", "x"]]),
    ("settings malformed", [["HSET", P + "settings", "timezone", "../../etc/passwd",
                             "no_show_after_minutes", "abc", "slot_minutes", "-5", "zzz", "1"]]),
    ("settings name a zone tzdata lacks", [["HSET", P + "settings", "timezone", "Asia/Nowhere",
                                            "turn_minutes", "9" * 30]]),
    ("settings is a string", [["DEL", P + "settings"], ["SET", P + "settings", "x"]]),
    ("floor is a string", [["DEL", P + "floor"], ["SET", P + "floor", "x"]]),
    ("floor values malformed", [["HSET", P + "floor", "A1", "x|y", "A3", "0||", "B2", "||",
                                 "C1", "-4|A1|", "D1", "9" * 30 + "||"]]),
    ("held is a string", [["DEL", P + "held"], ["SET", P + "held", "x"]]),
    ("held values malformed", [["HSET", P + "held", "R1", "5|4|A3", "R2", "x", "R9",
                                "1|2|A1+A1+", "R3", "1708020000|1708027200|"]]),
    ("hold set is a hash", [["DEL", P + "hold:A3"], ["HSET", P + "hold:A3", "a", "b"]]),
    ("hold members without held entries", [["ZADD", P + "hold:A1", "1708020000", "R9",
                                            "1708020001", "R2", "-5", ""]]),
    ("wait is a hash", [["DEL", P + "wait"], ["HSET", P + "wait", "a", "b"]]),
    ("wait entry with missing fields", [["XADD", P + "wait", "2-1", "zzz", "1"],
                                        ["XADD", P + "wait", "3-1", "party", "abc"]]),
]

READS = [
    ["RESV.GET", "hs", "R1"], ["RESV.GET", "hs", "R2"], ["RESV.GET", "hs", "R3"],
    ["RESV.LIST", "hs"], ["RESV.LIST", "hs", "LIMIT", "1"],
    ["RESV.LIST", "hs", "FROM", "2024-02-15", "TO", "2024-02-16"],
    ["RESV.LIST", "hs", "CURSOR", "1708020000:R1", "LIMIT", "1"],
    ["RESV.STATS", "hs", "FROM", "2024-01-01", "TO", "2024-12-31", "BUCKET", "60"],
    ["RESV.FIND", "hs", "QUERY", "5678"], ["RESV.FIND", "hs", "QUERY", "N1"],
    ["RESV.FIND", "hs", "QUERY", "张", "FROM", "2024-02-01", "TO", "2024-03-01"],
    ["RESV.TABLES", "hs"], ["RESV.HISTORY", "hs", "R1"], ["RESV.HISTORY", "hs", "R1", "COUNT", "2"],
    ["RESV.OUTBOX", "hs", "COUNT", "1000"], ["RESV.FAILURES", "hs"], ["RESV.OWNER", "R1"],
    ["RESV.SYSTEM.GET", "sys-1"], ["RESV.SYSTEM.LIST"], ["RESV.STORE.GET", "hs"],
    ["RESV.AVAILABILITY", "hs", "2024-02-15"], ["RESV.AVAILABILITY", "hs", "2024-02-15", "PARTY", "8"],
    ["RESV.WAIT.LIST", "hs"],
] + [["RESV.LIST", "hs", "STATUS", s] for s in STATUSES]

WRITES = [
    ["RESV.UPSERT", "hs", "R1", "notes", "x"],
    ["RESV.UPSERT", "hs", "R1", "customer_phone", "13900001234", "reservation_number", "N2"],
    ["RESV.UPSERT", "hs", "R1", "customer_count", "3", "updated_at", "2024-03-01T00:00:00"],
    ["RESV.UPSERT", "hs", "R1", "reservation_date", "2024-03-01", "status", "arrived"],
    ["RESV.UPSERT", "hs", "R1", "ORIGIN", "webhook", "status", "cancelled", "MSGID", "m1"],
    ["RESV.UPSERT", "hs", "R2", "ORIGIN", "sync", "status", "pending"],
    ["RESV.UPSERT", "hs", "R9", "reservation_date", "2024-03-01", "status", "seated",
     "table_number", "B2"],
    ["RESV.STATUS", "hs", "R1", "arrived"], ["RESV.STATUS", "hs", "R1", "seated", "TABLE", "A1"],
    ["RESV.STATUS", "hs", "R1", "seated", "TABLE", "A3"], ["RESV.STATUS", "hs", "R2", "completed"],
    ["RESV.STATUS", "hs", "R3", "seated"], ["RESV.STATUS", "hs", "R1", "cancelled"],
    ["RESV.DEL", "hs", "R1"], ["RESV.DEL", "hs", "R2"],
    ["RESV.PUSHED", "hs", "OUTBOX0", "OK"], ["RESV.PUSHED", "hs", "OUTBOX0", "FAILED", "boom"],
    ["RESV.PUSHED", "hs", "OUTBOX-1", "OK"], ["RESV.PUSHED", "hs", "OUTBOX-1", "FAILED", "e"],
    ["RESV.RESYNC", "hs"], ["RESV.RESYNC", "hs", "R1"], ["RESV.RESYNC", "hs", "R2"],
    ["RESV.OWNER", "R1", "CLAIM", "hs"], ["RESV.OWNER", "R7", "CLAIM", "hs"],
    ["RESV.OWNER", "R7", "RELEASE", "hs"], ["RESV.OWNER", "R1", "RELEASE", "other"],
    ["RESV.SYSTEM.SET", "sys-1", "name", "Z"], ["RESV.SYSTEM.DEL", "sys-1"],
    ["RESV.SYSTEM.CREATE", "id", "sys-1", "store_id", "hs"],
    ["RESV.SYSTEM.CREATE", "id", "ghost", "store_id", "hs"],
    ["RESV.STORE.SET", "hs", "timezone", "America/Los_Angeles", "no_show_after_minutes", "30"],
    ["RESV.STORE.SET", "hs", "timezone", ""],
    ["RESV.TABLE.SET", "hs", "A3", "SEATS", "8"], ["RESV.TABLE.DEL", "hs", "A3"],
    ["RESV.TABLE.DEL", "hs", "A1"],
    ["RESV.UPSERT", "hs", "R1", "reservation_time", "19:00", "table_number", "A1+A3"],
    ["RESV.UPSERT", "hs", "R4", "reservation_date", "2024-02-15", "reservation_time", "18:30",
     "table_number", "A3", "customer_count", "2"],
    ["RESV.WAIT.ADD", "hs", "n", "1", "2"], ["RESV.WAIT.SEAT", "hs", "1-1", "A1"],
    ["RESV.WAIT.SEAT", "hs", "2-1", "A1"], ["RESV.WAIT.SEAT", "hs", "3-1", "A1"],
    ["RESV.WAIT.DEL", "hs", "1-1"],
]


class ModuleHostileStoredData(ModuleCase):
    def test_hand_written_malformed_data(self):
        r = self.r
        r.call("FLUSHALL")
        build_store(r)
        keys = r.call("KEYS", "*")
        dumps = {k: as_bytes(r.call("DUMP", k)) for k in keys}
        outcome = {}
        t0 = time.time()

        def restore():
            r.send("FLUSHALL")
            r.read()
            for k, d in dumps.items():
                r.send("RESTORE", k, "0", d)
            for k in dumps:
                res = r.read()
                self.assertEqual("OK", res, k)

        for desc, cmds in CORRUPTIONS:
            restore()
            for c in cmds:
                r.call(*c)
            for cmd in READS:
                self.run_one(desc, cmd, outcome)
            for cmd in WRITES:
                restore()
                for c in cmds:
                    r.call(*c)
                self.run_one(desc, cmd, outcome)
            self.alive(desc)
        print("stored-data: %d corruptions x %d commands in %.1fs; refusals %s" % (
            len(CORRUPTIONS), len(READS) + len(WRITES), time.time() - t0,
            sorted(outcome.items())))

    def run_one(self, desc, cmd, outcome):
        cmd = list(cmd)
        if cmd[0] == "RESV.PUSHED":
            ob = self.r.try_call("XRANGE", "resv:{hs}:outbox", "-", "+")
            ids = [e[0] for e in ob] if isinstance(ob, list) else []
            want = cmd[2]
            cmd[2] = (ids[0] if want == "OUTBOX0" else ids[-1]) if ids else "1-0"
        before = self.digest()
        try:
            res = try_call(self.r, *cmd)
        except (ConnectionError, OSError) as e:
            self.fail("redis-server died on %r with %s\n%s" % (cmd, desc, self.server.log()))
        after = self.digest() if isinstance(res, RespError) else None
        with self.subTest(data=desc, cmd=cmd):
            self.check_reply(cmd, res, before, after)
        if isinstance(res, RespError):
            k = str(res).split(" ", 1)[0]
            outcome[k] = outcome.get(k, 0) + 1


# ---------------------------------------------------------------- sidecar

DOCUMENTED = {200, 201, 400, 401, 403, 404, 405, 409, 413, 414, 503}


def http_raw(port, data, timeout=30, head=False):
    """Sends raw bytes, reads one response (the request asks Connection: close).
    -> (status, headers lowercased, body bytes), or None when the server closed without
    answering."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                if not buf:
                    return None
                raise AssertionError("truncated response head: %r" % buf[:300])
            buf += chunk
        head_, body = buf.split(b"\r\n\r\n", 1)
        while head_.startswith(b"HTTP/1.1 100 "):  # Expect: 100-continue
            buf = body
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise AssertionError("nothing after 100 Continue")
                buf += chunk
            head_, body = buf.split(b"\r\n\r\n", 1)
        lines = head_.split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3}) ", lines[0] + b" ")
        if not m:
            raise AssertionError("bad status line %r" % lines[0])
        status = int(m.group(1))
        hdrs = {}
        for ln in lines[1:]:
            k, sep, v = ln.partition(b":")
            if not sep:
                raise AssertionError("bad header line %r" % ln)
            hdrs[k.strip().lower().decode()] = v.strip().decode("latin-1")
        if "text/event-stream" in hdrs.get("content-type", "") or head or status in (204, 304):
            return status, hdrs, b""
        if "content-length" in hdrs:
            n = int(hdrs["content-length"])
            while len(body) < n:
                chunk = s.recv(65536)
                if not chunk:
                    raise AssertionError("body shorter than Content-Length")
                body += chunk
            return status, hdrs, body[:n]
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            out, rest = b"", body
            while True:
                size, _, rest = rest.partition(b"\r\n")
                n = int(size.split(b";")[0], 16)
                if n == 0:
                    break
                out, rest = out + rest[:n], rest[n + 2:]
            body = out
        return status, hdrs, body
    finally:
        s.close()


def request_bytes(method, target, headers, body):
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    for k, v in headers:
        lines.append(k + b": " + v)
    if body is not None:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


JSON_ODD = [None, True, False, 0, -1, 1, 2 ** 63, 10 ** 30, -(10 ** 30), 1.5, -0.0, 1e308, "",
            "x" * 5000, "张三", "\u0000", "\ud800", "2024-02-30", "24:00", "-inf", "nan",
            "1e400", [], {}, [1, [2, [3]]], {"a": {"b": {}}}, ["x"] * 50, "STATUS",
            "2024-02-15", "18:00-20:00", "confirmed", "seated", "A1", "R1", "{hs}", "a/b"]
SYNC_FIELDS = ["reservation_id", "external_id", "reservation_number", "customer_name",
               "customer_phone", "customer_count", "reservation_date", "reservation_time",
               "arrival_time", "table_type", "table_number", "area", "status",
               "special_requirements", "notes", "deposit_required", "deposit_amount",
               "deposit_paid", "source", "channel", "sync_status", "updated_at", "id",
               "store_id", "created_at", "zzz", ""]
SYS_FIELDS = ["name", "type", "provider", "store_id", "config", "status", "id",
              "webhook_secret", "zzz"]
RAW_TOKENS = [b"1e400", b"-1e400", b"-0", b"0e0", b"1E+999999999", b"123456789012345678901234567890",
              b"NaN", b"Infinity", b"-Infinity", b"0x10", b"01", b".5", b"+1", b"tru", b"nul",
              b'"\xff\xfe"', b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"a\x00b"', b'"\\u0000"',
              b'"\\ud800"', b'"\\udc00\\ud800"', b'"\\x41"', b'"tab\there"', b"[]", b"{}",
              b'"' + b"x" * 70000 + b'"']


class SidecarHostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.sc = Sidecar(cls.redis.port)
        cls.admin = cls.sc.token("admin")
        st, _, sysd = cls.sc.request("POST", API + "/systems", {
            "name": "Y", "type": "reservation", "provider": "Yiding", "store_id": "hs",
            "config": {"api_endpoint": "http://127.0.0.1:1", "api_key": "k"}}, token=cls.admin)
        assert st == 201, sysd
        cls.sys_id, cls.secret = sysd["id"], sysd["webhook_secret"]
        st, _, open_sys = cls.sc.request("POST", API + "/systems", {
            "name": "open", "store_id": "hs-open", "config": {"webhook_signature": "none"}},
            token=cls.admin)
        assert st == 201, open_sys
        cls.open_id = open_sys["id"]
        for i, rid in enumerate(["R1", "R2", "R3"]):
            st, _, b_ = cls.sc.request("POST", API + "/reservation/%s/sync" % cls.sys_id, {
                "reservation_id": rid, "reservation_date": "2024-02-15",
                "reservation_time": "18:00", "customer_count": 2, "status": "confirmed"},
                token=cls.admin)
            assert st == 201, b_
        cls.statuses = {}

    @classmethod
    def tearDownClass(cls):
        try:
            st, _, body = cls.sc.request("GET", "/healthz")
            assert st == 200, (st, body)
        finally:
            rc = cls.sc.close()
            log = cls.redis.log()
            cls.redis.close()
        print("sidecar statuses:", sorted(cls.statuses.items()))
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())
        assert not sanitizer_report(cls.sc.log()), cls.sc.log()
        assert not sanitizer_report(log), log

    # ---- random requests ----
    def segment(self, rng):
        return rng.choice([
            b"R1", b"R2", b"R404", self.sys_id.encode(), self.open_id.encode(), b"%00",
            b"a%00b", b"%ZZ", b"%", b"%2", b"..", b".", b"%2e%2e", b"%2F", b"a%2Fb",
            b"x" * rng.choice([200, 1000, 3000, 5000]), "预订".encode(), b"%E9%A2%84",
            b"%FF%FE", b"%C0%AF", b"{hs}", b"a+b", b"a%20b", b"", b"R1;x", b"R1?", b"@",
            b"STATUS", b"list", b"stats", b"sync", b"status", b"%0d%0aX-Injected:%201"])

    def path(self, rng):
        shapes = [
            [b"healthz"], [b"metrics"], [b"openapi.json"], [b"api", b"v1", b"integrations"],
            ["systems"], ["systems", None], ["systems", None, "test"], ["systems", None, "pull"],
            ["events"], ["sync", "failures"], ["reservation", "list"], ["reservation", "stats"],
            ["reservation", "tables"], ["reservation", None], ["reservation", None, "sync"],
            ["reservation", None, "resync"], ["reservation", None, "history"],
            ["reservation", None, "status"], ["webhooks", "reservation", None],
            ["reservation", None, None, None, None, None, None, None],
        ]
        shape = rng.choice(shapes)
        segs = []
        for s in shape:
            if s is None or rng.random() < 0.05:
                segs.append(self.segment(rng))
            else:
                segs.append(s if isinstance(s, bytes) else s.encode())
        if isinstance(shape[0], str):
            segs = [b"api", b"v1", b"integrations"] + segs
        p = b"/" + b"/".join(segs)
        if rng.random() < 0.05:
            p = p.replace(b"/", b"//", 1)
        return p, shape

    def query(self, rng):
        keys = ["store_id", "status", "date_from", "date_to", "limit", "cursor", "bucket",
                "arrival_time", "table_number", "", "zzz"]
        vals = [b"hs", b"hs-open", b"hs-b", b"", b"%00", b"%ZZ", b"{hs}", b"confirmed", b"seated",
                b"arrived", b"bogus", b"2024-02-15", b"2024-02-15T18:00:00", b"2024-02-30",
                b"24:00", b"garbage", b"-1", b"0", b"1", b"1000", b"1001", b"1e3", b"99999999999999999999",
                b"-9223372036854775809", b"1.5", b"+1", b"%201", b"60", b"1440", b"1441", b"A1",
                b"1708023600:R1", b"x" * 300, "张三".encode(), b"%E5%BC%A0", b"a+b", b"%2B",
                b"-inf", b"nan"]
        parts = []
        for _ in range(rng.randint(0, 6)):
            k = rng.choice(keys).encode()
            if rng.random() < 0.1:
                parts.append(k)
            else:
                parts.append(k + b"=" + rng.choice(vals))
        if rng.random() < 0.05:
            parts.append(rng.choice([b"&&", b"=", b"==", b"%", b"a=%", b"limit=1&limit=2"]))
        return b"&".join(parts)

    def json_value(self, rng, depth=0):
        x = rng.random()
        if depth < 3 and x < 0.1:
            return [self.json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        if depth < 3 and x < 0.2:
            return {rng.choice(SYNC_FIELDS): self.json_value(rng, depth + 1)
                    for _ in range(rng.randint(0, 3))}
        return rng.choice(JSON_ODD)

    def good_item(self, rng, rid=None):
        return {"reservation_id": rid or rng.choice(["R1", "R2", "R3", "R7", "Rn%d" % rng.randint(0, 50)]),
                "reservation_date": rng.choice(["2024-02-15", "2024-02-16T00:00:00"]),
                "reservation_time": "18:00", "customer_count": rng.randint(1, 9),
                "status": rng.choice(["pending", "confirmed", "cancelled"])}

    def dumps_with_raw(self, rng, obj):
        """JSON text of obj, with one value replaced by a raw token (invalid UTF-8, 1e400,
        duplicate key...) that json.dumps cannot write."""
        text = json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass")
        x = rng.random()
        if x < 0.4 and b": " in text:
            i = text.index(b": ") + 2
            j = i
            depth, in_str = 0, False
            while j < len(text):  # end of this value
                c = text[j:j + 1]
                if in_str:
                    if c == b"\\":
                        j += 1
                    elif c == b'"':
                        in_str = False
                elif c == b'"':
                    in_str = True
                elif c in b"[{":
                    depth += 1
                elif c in b"]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif c == b"," and depth == 0:
                    break
                j += 1
            return text[:i] + rng.choice(RAW_TOKENS) + text[j:]
        if x < 0.6 and text.startswith(b"{") and len(text) > 2:
            k = rng.choice(list(obj)) if obj else "reservation_id"
            return (b"{" + json.dumps(k).encode() + b": 1, " + json.dumps(k).encode()
                    + b": \"dup\", " + text[1:])
        if x < 0.7:
            return b"[" * 40 + b"1" + b"]" * 40
        if x < 0.8:
            return text[:rng.randrange(len(text) + 1)]  # cut short
        return rng.choice([b"", b"null", b"1", b'"x"', b"[]", b"{", b"}", b"\x00",
                           b"\xef\xbb\xbf{}", b"{} {}", b"{}\x00", b"{'a': 1}",
                           b'{"a":1,}', b"\xff" * 10, b"{\"reservations\": null}"])

    def body(self, rng, shape):
        name = shape[-1] if shape and isinstance(shape[-1], str) else ""
        x = rng.random()
        if name == "sync" and x < 0.15:
            n = rng.choice([0, 1, 2, 1001, 10000])
            items = [self.good_item(rng, "Bk%d" % i) if rng.random() < 0.8 else self.json_value(rng)
                     for i in range(min(n, 1001))]
            if n == 10000:
                items = [{"reservation_id": "Bk%d" % (i % 7)} for i in range(n)]
            return json.dumps({"reservations": items}).encode()
        if name == "sync" or (shape and shape[0] == "webhooks"):
            obj = self.good_item(rng)
            for _ in range(rng.randint(0, 4)):
                obj[rng.choice(SYNC_FIELDS)] = self.json_value(rng)
            if shape and shape[0] == "webhooks":
                obj = {"event": rng.choice(["reservation.created", "reservation.updated",
                                            "reservation.cancelled", "x", None, 1]),
                       "data": obj if rng.random() < 0.9 else self.json_value(rng)}
        elif name == "systems":
            obj = {"name": "n", "store_id": "hs"}
            for _ in range(rng.randint(0, 4)):
                obj[rng.choice(SYS_FIELDS)] = self.json_value(rng)
            if rng.random() < 0.3:
                obj["config"] = {rng.choice(["api_key", "api_endpoint", "webhook_signature", "x"]):
                                 self.json_value(rng)}
        else:
            obj = self.json_value(rng)
            if rng.random() < 0.5:
                obj = {"reservation_id": self.json_value(rng)}
        if rng.random() < 0.35:
            return self.dumps_with_raw(rng, obj)
        return json.dumps(obj, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")

    def auth(self, rng):
        x = rng.random()
        if x < 0.75:
            return [(b"Authorization", b"Bearer " + self.admin.encode())]
        now = int(time.time())
        sec = self.sc.secret
        return [(b"Authorization", rng.choice([
            b"", b"Bearer", b"Bearer ", b"bearer " + self.admin.encode(),
            b"Basic YWRtaW46YWRtaW4=", b"Bearer a.b.c", b"Bearer ...", b"Bearer " + b"A" * 8000,
            b"Bearer " + self.admin.encode() + b"x", b"Bearer  " + self.admin.encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "admin"}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "root", "exp": now + 60}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": 1, "role": "admin", "exp": now + 60}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "admin", "exp": "x"}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "admin", "exp": 10 ** 30}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "admin", "exp": now - 10}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "staff", "exp": now + 60,
                                        "stores": [1, None, "hs"]}).encode(),
            b"Bearer " + make_jwt(sec, {"sub": "t", "role": "admin", "exp": now + 60},
                                  alg="none").encode(),
            b"Bearer " + make_jwt(b"wrong", {"sub": "t", "role": "admin", "exp": now + 60}).encode(),
            b"Bearer \xff\xfe", b"Bearer eyJ\x7f"]))]

    def webhook_hdrs(self, rng, body):
        x = rng.random()
        if x < 0.4:
            h = webhook_headers(self.secret, "msg_%d" % rng.randrange(1 << 30), body)
            return [(k.encode(), v.encode()) for k, v in h.items()]
        now = int(time.time())
        good = webhook_headers(self.secret, "m", body)["webhook-signature"]
        out = []
        for name, vals in (
                (b"webhook-id", [b"", b"m", b"x" * 3000, "预".encode(), b"a b", b"{hs}"]),
                (b"webhook-timestamp", [b"", b"x", b"-1", str(now).encode(), b"99999999999999999999",
                                        str(now - 400).encode(), b"1e9", b" %d" % now]),
                (b"webhook-signature", [b"", b"v1,", b"v1,!!!", b"v2,abc", good.encode(),
                                        good.encode() + b" v1,AAAA", b"v1," + b"A" * 3000,
                                        b"v1,AAAA v1,BBBB v1,CCCC", b"," * 50])):
            if rng.random() < 0.9:
                out.append((name, rng.choice(vals)))
        return out

    def check_response(self, what, resp, method):
        self.assertIsNotNone(resp, "no response to %s" % what)
        status, hdrs, body = resp
        self.statuses[status] = self.statuses.get(status, 0) + 1
        ctype = hdrs.get("content-type", "")
        # libevent's own replies (over-limit body, malformed request, a method it does
        # not implement) are the JSON error object too (sidecar/http_pages.c)
        self.assertNotIn("text/html", ctype, what)
        self.assertIn(status, DOCUMENTED | {501, 502}, "%s -> %d %r" % (what, status, body[:300]))
        if status == 502:
            self.assertRegex(what, r"/systems/[^/ ]+/(test|pull)", what)
        if status == 503:
            self.assertEqual("1", hdrs.get("retry-after"), what)
        if method == b"HEAD":
            return
        if "text/event-stream" in ctype or ("text/plain" in ctype and "/metrics" in what):
            self.assertEqual(200, status, what)
            return
        self.assertIn("application/json", ctype, "%s -> %d %s %r" % (what, status, ctype, body[:300]))
        try:
            doc = json.loads(body.decode("utf-8"))
        except ValueError as e:
            self.fail("%s -> %d: body is not JSON (%s): %r" % (what, status, e, body[:300]))
        if status >= 400:
            self.assertIsInstance(doc, dict, what)
            err = doc.get("error")
            self.assertIsInstance(err, dict, "%s -> %r" % (what, doc))
            self.assertTrue(isinstance(err.get("code"), str) and err["code"], (what, doc))
            self.assertTrue(isinstance(err.get("message"), str) and len(err["message"]) > 3,
                            (what, doc))
            self.assertNotIn("\n", err["message"], what)

    def test_random_requests(self):
        rng = random.Random(SEED + 1)
        methods = [b"GET"] * 4 + [b"POST"] * 4 + [b"PUT"] * 2 + [b"DELETE", b"HEAD", b"OPTIONS",
                                                                   b"PATCH"]
        total = n_of(700)
        t0 = time.time()
        slow = []
        for i in range(total):
            path, shape = self.path(rng)
            method = rng.choice(methods)
            if rng.random() < 0.7:  # mostly the route's own method, to reach the handlers
                last = shape[-1] if isinstance(shape[-1], str) else ""
                method = {"sync": b"POST", "resync": b"POST", "test": b"POST", "pull": b"POST",
                          "status": b"PUT"}.get(last, b"GET")
                if shape[0] == "webhooks" or shape == ["systems"] and rng.random() < 0.5:
                    method = b"POST"
            if rng.random() < 0.01:
                method = rng.choice([b"TRACE", b"FOO", b"get", b"G\x00T"])
            target = path
            if rng.random() < 0.6:
                target += b"?" + self.query(rng)
            body = None
            if method in (b"POST", b"PUT", b"PATCH") or rng.random() < 0.05:
                body = self.body(rng, shape) if rng.random() < 0.95 else None
            if shape and shape[0] == "webhooks":
                hdrs = self.webhook_hdrs(rng, body or b"")
                if rng.random() < 0.3:
                    target = (API + "/webhooks/reservation/" + self.open_id).encode()
            else:
                hdrs = self.auth(rng)
            if rng.random() < 0.2:
                hdrs.append(rng.choice([(b"Content-Type", b"text/plain"),
                                        (b"Content-Type", b"application/json; charset=latin1"),
                                        (b"Last-Event-ID", b"\xff" + b"9" * 30),
                                        (b"X-Long", b"y" * 8000), (b"Expect", b"100-continue"),
                                        (b"Transfer-Encoding", b"identity")]))
            data = request_bytes(method, target, hdrs, body)
            what = "%s %r (%d body bytes, #%d, seed %d)" % (method.decode("latin-1"), target[:200],
                                                            len(body or b""), i, SEED)
            t1 = time.time()
            try:
                resp = http_raw(self.sc.port, data, head=method == b"HEAD")
            except (ConnectionError, socket.timeout) as e:
                self.fail("%s: %s\n%s" % (what, e, self.sc.log()))
            slow.append((time.time() - t1, what[:150]))
            if resp is None and method not in (b"GET", b"POST", b"PUT", b"DELETE", b"HEAD",
                                               b"OPTIONS", b"PATCH"):
                continue  # libevent may just close on a method it cannot parse
            self.check_response(what, resp, method)
            if i % 100 == 99:
                self.assertEqual(200, self.sc.request("GET", "/healthz")[0], self.sc.log())
        print("sidecar random requests: %d in %.1fs; slowest %s" % (
            total, time.time() - t0, ["%.2fs %s" % x for x in sorted(slow)[-3:]]))
        self.assertEqual(200, self.sc.request("GET", "/healthz")[0])
        self.assertIsNone(self.sc.proc.poll(), self.sc.log())

    def test_bulk_and_deep_bodies(self):
        """The big ones, once each: a 10k-item bulk sync, 1000 items of wrong types, deep
        nesting, a body just under 1 MiB of one string."""
        url = API + "/reservation/%s/sync" % self.sys_id
        rng = random.Random(SEED + 2)
        cases = [
            json.dumps({"reservations": [{"reservation_id": "B%d" % i} for i in range(10000)]}),
            json.dumps({"reservations": [rng.choice(JSON_ODD) for _ in range(1000)]}),
            json.dumps({"reservations": [{"reservation_id": "W%d" % i, "reservation_date":
                                          rng.choice(JSON_ODD), "customer_count": rng.choice(JSON_ODD)}
                                         for i in range(1000)]}),
            b"[" * 100000, b"{\"a\":" * 20000 + b"1" + b"}" * 20000,
            b'{"reservation_id": "' + b"x" * (1024 * 1024 - 40) + b'"}',
            b'{"reservations": [' + b",".join([b'{"reservation_id": "D", "reservation_id": "E"}'] * 500) + b"]}",
        ]
        for body in cases:
            body = body if isinstance(body, bytes) else body.encode()
            data = request_bytes(b"POST", url.encode(), [(b"Authorization", b"Bearer " + self.admin.encode())],
                                 body)
            resp = http_raw(self.sc.port, data, timeout=120)
            self.check_response("POST sync %r... (%d bytes)" % (body[:60], len(body)), resp, b"POST")
        self.assertEqual(200, self.sc.request("GET", "/healthz")[0])

    def test_raw_socket_abuse(self):
        port = self.sc.port
        # a slowloris client and a silent one, kept open while others are served
        silent = socket.create_connection(("127.0.0.1", port), timeout=5)
        slow = socket.create_connection(("127.0.0.1", port), timeout=5)
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        abuses = [
            b"\x00\x01\x02 garbage\r\n\r\n",
            b"GARBAGE\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n",  # LF only
            b"GET /healthz HTTP/1.1\r\nHost x\r\nConnection: close\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n: empty\r\nConnection: close\r\n\r\n",
            b"GET " + b"/" * 10000 + b" HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nContent-Length: -1\r\nConnection: close\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n",
            b"POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n",
            b"POST " + API.encode() + b"/systems HTTP/1.1\r\nContent-Length: 5\r\n"
            b"Content-Length: 6\r\nConnection: close\r\n\r\n{}{}{}",
        ]
        for data in abuses:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                got = b""
                while True:
                    try:
                        chunk = s.recv(65536)
                    except ConnectionResetError:
                        break
                    if not chunk:
                        break
                    got += chunk
            finally:
                s.close()
            self.assertTrue(got == b"" or re.match(rb"HTTP/1\.[01] \d{3} ", got), (data[:80], got[:200]))
            if got:
                self.check_response("raw %r" % data[:60], http_parse(got), b"GET")
        # a body shorter than its Content-Length, then close
        for n in (10, 100000):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(("POST %s/reservation/%s/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s"
                       "\r\nContent-Length: %d\r\n\r\n{\"reservation_id\"" % (API, self.sys_id, self.admin, n)
                       ).encode())
            time.sleep(0.05)
            s.close()
        # headers without the final blank line, then close
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x")
        s.close()
        # others are still served while slow and silent hold their connections
        for _ in range(3):
            slow.sendall(b"X-A: b\r\n")
            st, _, body = self.sc.request("GET", "/healthz", timeout=10)
            self.assertEqual(200, st, body)
            st, _, body = self.sc.request("GET", API + "/reservation/R1", token=self.admin, timeout=10)
            self.assertEqual(200, st, body)
            time.sleep(0.1)
        # the slow client finally finishes its request and is answered
        slow.sendall(b"Connection: close\r\n\r\n")
        got = b""
        while True:
            chunk = slow.recv(65536)
            if not chunk:
                break
            got += chunk
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:200])
        slow.close()
        silent.close()
        self.assertEqual(200, self.sc.request("GET", "/healthz")[0])


def http_parse(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode()] = v.strip().decode("latin-1")
    if "content-length" in hdrs:
        body = body[:int(hdrs["content-length"])]
    return status, hdrs, body


if __name__ == "__main__":
    unittest.main(verbosity=1)

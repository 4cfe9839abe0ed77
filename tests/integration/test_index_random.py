"""Random operations against module/resv.so, then every index checked against the
hashes: each reservation is in exactly one partition resv:{S}:i:<status>:<day>, the one
of its status and of the day of its start instant, with the score of its start instant
(computed here, in Python); no partition member lacks a hash, no other index key exists
(no empty partition, no old-style resv:{S}:i:all or resv:{S}:i:<status>), and
resv:{S}:days is exactly the days that have members, each scored with its first
instant. The lookup hash resv:{S}:lookup is exactly the reservation numbers, external
ids and phone suffixes of the hashes, and RESV.FIND by id, number and phone digits
answers as Python does. RESV.LIST (paged, with and without STATUS, FROM/TO mid-day) and RESV.STATS
(with buckets) are compared with the same queries answered in Python. The tables hash
is exactly the tables of the seated reservations (each table of a join on its own), and
the owner keys match; the push outbox refers to
known reservations only, every pending sync_status has an outbox entry and every failed
one a failure log entry of an existing reservation. The holds over time (resv:{S}:held and
resv:{S}:hold:<table>) are exactly the reservations pending, confirmed, arrived or seated
at tables of the store's inventory, with the window of their slot (or 90 minutes), and a
store without an inventory holds nothing. Each day's load (resv:{S}:load:<day>) is exactly
the covers and parties of the reservations pacing counts, per start minute, with no key
for a day that has none; RESV.AVAILABILITY's covers and parties per slot follow it at the
store's slot_minutes, which the run changes along the way.
RESV_SEED=<n> replays a run; RESV_OPS=<n> sets the number of operations."""
import calendar
import os
import random
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, RespError, pairs  # noqa: E402

STATUSES = ["pending", "confirmed", "arrived", "seated", "completed", "cancelled", "no_show"]
STORES = ["store-a", "store-b", "门店-c"]
TABLES = ["A1", "A2", "A3", "B1", "B2", "桌-8", "A1+A2", "A3+B1"]
# The inventories: store-b has none (today's behaviour); B2 is in none, A3 and B1 do not join.
INVENTORY = {"store-a": {"A1": (4, "A2"), "A2": (4, None), "A3": (6, None), "B1": (2, None),
                         "桌-8": (8, None)},
             "门店-c": {"A1": (4, "A2"), "A2": (2, None), "B1": (2, None)}}
HOLDING = ("pending", "confirmed", "arrived", "seated")
COUNTED = ("pending", "confirmed", "arrived", "seated", "completed")  # what pacing counts
SLOT_MINUTES = ["30", "15", "45", "60", "25", "240", "5"]
SLOTS = ["18:00-20:00", "18:00", "11:30-13:00", "23:00-01:00", "00:00-24:00", "19:45"]
# small pools, so that lookup fields are shared (a number equal to another's external id,
# phones with one last-4 but different numbers, a phone too short to index)
NUMBERS = ["N1", "N2", "编号 3", "X1"]
EXTERNALS = ["X1", "X2", "N1"]
PHONES = ["138-0013-5678", "13900005678", "+86 138 0013 5678", "021-5555-1234", "1234", "12"]
# Twenty of the ids too: some are alive at the end of any run, so every kind is seen.
FIND_QUERIES = ["5678", "0013 5678", "13800135678", "8613800135678", "1234", "5555-1234", "N1",
                "X1", "X2", "编号 3", "0000"] + ["R%03d" % i for i in range(0, 80, 4)]


def start_instant(date, slot):
    d = calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%S"))
    if slot is None:
        return d
    day = d - d % 86400
    return day + int(slot[0:2]) * 3600 + int(slot[3:5]) * 60


def day_of(score):
    return time.strftime("%Y-%m-%d", time.gmtime(score))


def day_start(day):
    return calendar.timegm(time.strptime(day, "%Y-%m-%d"))


def fmt(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


class IndexRandom(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Redis(aof=False)
        cls.r = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.server.close()

    def random_fields(self, rng, creating):
        f = []
        if creating or rng.random() < 0.3:
            day = rng.randint(1, 20)
            f += ["reservation_date", rng.choice(["2024-03-%02d" % day,
                                                  "2024-03-%02dT%02d:15:00" % (day, rng.randint(0, 23))])]
        if creating or rng.random() < 0.3:
            if rng.random() < 0.9:
                f += ["reservation_time", rng.choice(SLOTS)]
        if rng.random() < 0.4:
            f += ["status", rng.choice(STATUSES)]
        if rng.random() < 0.4:
            f += ["table_number", rng.choice(TABLES)]
        if rng.random() < 0.5:
            f += ["customer_count", str(rng.randint(1, 12))]
        if rng.random() < 0.2:
            f += ["customer_name", rng.choice(["张三", "李四", "Ann"])]
        for field, pool, p in (("reservation_number", NUMBERS, 0.2),
                               ("external_reservation_id", EXTERNALS, 0.2),
                               ("customer_phone", PHONES, 0.25)):
            if rng.random() < p:
                f += [field, rng.choice(pool)]
        if not f:
            f = ["notes", "n%d" % rng.randint(0, 5)]
        return f

    def test_random_operations(self):
        seed = int(os.environ.get("RESV_SEED", random.randrange(1 << 30)))
        nops = int(os.environ.get("RESV_OPS", "3000"))
        print("test_index_random seed=%d ops=%d" % (seed, nops))
        rng = random.Random(seed)
        r = self.r
        ids = ["R%03d" % i for i in range(80)]
        outcomes = {}
        for store, tables in INVENTORY.items():
            for t, (seats, joins) in tables.items():
                r.call("RESV.TABLE.SET", store, t, "SEATS", seats,
                       *(["JOINS", joins] if joins else []))
        held = 0
        for op_no in range(nops):
            if op_no % 100 == 99:  # holds come and go: check them along the way
                for store in STORES:
                    pre = "resv:{%s}:" % store
                    recs = {k[len(pre) + 2:]: pairs(r.call("HGETALL", k))
                            for k in r.call("KEYS", pre + "r:*")}
                    held += self.check_holds(store, pre, recs)
            rid = rng.choice(ids)
            store = rng.choice(STORES) if rng.random() < 0.1 else STORES[int(rid[1:]) % 3]
            op = rng.random()
            if op < 0.005:  # the slots change; the load keeps minutes, any slot sums them
                cmd = ["RESV.STORE.SET", store, "slot_minutes", rng.choice(SLOT_MINUTES)]
            elif op < 0.45:
                creating = r.call("RESV.GET", store, rid) is None
                cmd = ["RESV.UPSERT", store, rid]
                if rng.random() < 0.3:
                    cmd += ["ORIGIN", rng.choice(["webhook", "sync", "pull"])]
                cmd += self.random_fields(rng, creating)
            elif op < 0.8:
                to = rng.choice(STATUSES)
                cmd = ["RESV.STATUS", store, rid, to]
                if to == "seated" and rng.random() < 0.7:
                    cmd += ["TABLE", rng.choice(TABLES)]
                if to == "arrived" and rng.random() < 0.3:
                    cmd += ["ARRIVAL", "2024-03-01T18:00:00"]
            elif op < 0.9:
                cmd = ["RESV.UPSERT", store, rid, "ORIGIN", "webhook", "status", "cancelled"]
            elif op < 0.95:
                cmd = ["RESV.DEL", store, rid]
            elif op < 0.985:
                ob = r.call("RESV.OUTBOX", store, "COUNT", "5")
                eid = rng.choice(ob)[0] if ob else "1-0"
                cmd = ["RESV.PUSHED", store, eid] + rng.choice([["OK"], ["FAILED", "HTTP 500"]])
            else:
                cmd = ["RESV.RESYNC", store] + ([rid] if rng.random() < 0.5 else [])
            res = r.try_call(*cmd)
            if isinstance(res, RespError):
                kind = str(res).split(" ", 1)[0]
                self.assertIn(kind, ("ERR", "CONFLICT", "NOTFOUND"), "%r -> %s" % (cmd, res))
                if kind == "CONFLICT" and "is held by" in str(res):
                    kind = "HELD"
                key = kind
            else:
                key = res if isinstance(res, (str, int)) else "map"
            outcomes[(cmd[0], key)] = outcomes.get((cmd[0], key), 0) + 1
        print("outcomes:", sorted(outcomes.items(), key=str))
        self.assertGreater(outcomes.get(("RESV.UPSERT", "created"), 0), 50)
        self.assertGreater(outcomes.get(("RESV.STATUS", "map"), 0), 100)
        print("holds seen at checkpoints:", held)
        self.assertGreater(held, 20, "too few holds to test")
        self.check_indexes(ids)
        # the lookup check saw shared fields and found reservations by each kind
        self.assertGreater(self.found.get("shared", 0), 0)
        for kind in ("reservation_id", "reservation_number", "external_reservation_id",
                     "customer_phone"):
            self.assertGreater(self.found.get(kind, 0), 0, kind)

    def check_indexes(self, ids):
        r = self.r
        self.found = {}
        owners = {}
        for k in r.call("KEYS", "resv:owner:*"):
            owners[k[len("resv:owner:{"):-1]] = r.call("GET", k)
        seen_ids = set()
        for store in STORES:
            pre = "resv:{%s}:" % store
            recs = {}
            for k in r.call("KEYS", pre + "r:*"):
                recs[k[len(pre) + 2:]] = pairs(r.call("HGETALL", k))
            parts = {}  # rid -> [(status, day, score)]
            for k in r.call("KEYS", pre + "i:*"):
                m = re.match(re.escape(pre) + r"i:(\w+):(\d{4}-\d\d-\d\d)$", k)
                self.assertTrue(m and m.group(1) in STATUSES, "unexpected index key %s" % k)
                self.assertEqual("zset", r.call("TYPE", k))
                self.assertGreater(r.call("ZCARD", k), 0, k)
                for rid, sc in pairs(r.call("ZRANGE", k, "0", "-1", "WITHSCORES")).items():
                    self.assertIn(rid, recs, "index member without hash: %s %s" % (k, rid))
                    parts.setdefault(rid, []).append((m.group(1), m.group(2), int(sc)))
            for rid, h in recs.items():
                self.assertEqual(rid, h["reservation_id"])
                self.assertEqual(store, h["store_id"])
                score = start_instant(h["reservation_date"], h.get("reservation_time"))
                self.assertEqual([(h["status"], day_of(score), score)], parts.get(rid),
                                 (store, rid, h))
                if h["status"] == "arrived":
                    self.assertIn("arrival_time", h)
                self.assertEqual(store, owners.get(rid), rid)
                self.assertNotIn(rid, seen_ids)
                seen_ids.add(rid)
            days = {p[0][1] for p in parts.values()}
            self.assertEqual({d: day_start(d) for d in days},
                             {d: int(sc) for d, sc in
                              pairs(r.call("ZRANGE", pre + "days", "0", "-1", "WITHSCORES")).items()},
                             store)
            if not days:
                self.assertEqual(0, r.call("EXISTS", pre + "days"))
            self.check_queries(store, {rid: (p[0][2], p[0][0]) for rid, p in parts.items()}, recs)
            self.check_lookup(store, recs, parts)
            # every table of a seated party's join is a field of its own
            tables = pairs(r.call("HGETALL", pre + "tables"))
            members = [(t, rid) for rid, h in recs.items() if h["status"] == "seated"
                       for t in h["table_number"].split("+")]
            seated = dict(members)
            self.assertEqual(len(seated), len(members), "two seated reservations share a table")
            self.assertEqual(seated, tables, store)
            self.check_holds(store, pre, recs)
            self.check_load(store, pre, recs)
            for rid in recs:
                self.assertEqual("list", r.call("TYPE", pre + "h:" + rid))
                self.assertGreater(r.call("LLEN", pre + "h:" + rid), 0)
            queued = set()
            for _, f in r.call("XRANGE", pre + "outbox", "-", "+"):
                f = pairs(f)
                self.assertIn(f["reservation_id"], ids)
                self.assertIn(f["status"], STATUSES)
                queued.add(f["reservation_id"])
            failed = pairs(r.call("HGETALL", pre + "failures"))
            for rid, h in recs.items():
                if h.get("sync_status") == "pending":
                    self.assertIn(rid, queued, (store, rid))
                if h.get("sync_status") == "failed":
                    self.assertIn(rid, failed, (store, rid))
            for rid in failed:
                self.assertIn(rid, recs, "failure log entry without reservation")
        self.assertEqual(seen_ids, set(owners), "owner keys without reservations")

    # The holds follow the inventory as it was when each booking was written (a table
    # added later holds nothing until its bookings are written again; one deleted drops
    # its holds): with the inventory fixed, as here, they are exactly what the records
    # say. A test that changes the inventory along the way sets this to False, and then
    # every hold must still be one the records say, and each table's set mirror them.
    holds_exact = True

    def check_holds(self, store, pre, recs):
        r = self.r
        inv = {t: v.split("|")[1].split(",") for t, v in
               pairs(r.call("HGETALL", pre + "floor")).items()}
        want, every = {}, {}
        for rid, h in recs.items():
            parts = h.get("table_number", "").split("+") if h.get("table_number") else []
            if h["status"] not in HOLDING or not parts:
                continue
            start = start_instant(h["reservation_date"], h.get("reservation_time"))
            slot = h.get("reservation_time") or ""
            minutes = 90
            if len(slot) == 11:
                a = int(slot[0:2]) * 60 + int(slot[3:5])
                b = int(slot[6:8]) * 60 + int(slot[9:11])
                minutes = b - a if b > a else b + 1440 - a
            window = "%d|%d|" % (start, start + minutes * 60)
            # the tables the inventory knows (a provider's booking may name others, or
            # tables that do not join: it holds the known ones all the same)
            known = [p for p in parts if p in inv]
            every[rid] = (window + h["table_number"], window + "+".join(known))
            if known:
                want[rid] = every[rid][1]
        held = pairs(r.call("HGETALL", pre + "held"))
        if self.holds_exact:
            self.assertEqual(want, held, store)
        else:
            for rid, v in held.items():
                self.assertIn(v, every.get(rid, ()), (store, rid))
        per_table = {}
        for rid, v in held.items():
            for p in v.split("|", 2)[2].split("+"):
                per_table.setdefault(p, {})[rid] = int(v.split("|")[0])
        got = {}
        for k in r.call("KEYS", pre + "hold:*"):
            got[k[len(pre) + 5:]] = {m: int(sc) for m, sc in
                                     pairs(r.call("ZRANGE", k, "0", "-1", "WITHSCORES")).items()}
        self.assertEqual(per_table, got, store)
        if not inv:
            self.assertEqual({}, held)
        for h in recs.values():
            self.assertIn(h.get("overbooked", "true"), ("true",))  # only ever "true"
        return len(held)

    def check_load(self, store, pre, recs):
        """resv:{S}:load:<day> is exactly the counted reservations' covers and parties per
        start minute ("HH:MM" -> "covers|parties"); RESV.AVAILABILITY counts each slot
        from it at the store's slot_minutes."""
        r = self.r
        want = {}
        for h in recs.values():
            if h["status"] not in COUNTED:
                continue
            start = start_instant(h["reservation_date"], h.get("reservation_time"))
            day = want.setdefault(day_of(start), {})
            minute = time.strftime("%H:%M", time.gmtime(start))
            c, p = day.get(minute, (0, 0))
            day[minute] = (c + int(h.get("customer_count", "0")), p + 1)
        got = {}
        for k in r.call("KEYS", pre + "load:*"):
            self.assertEqual("hash", r.call("TYPE", k))
            got[k[len(pre) + 5:]] = {f: tuple(int(x) for x in v.split("|"))
                                     for f, v in pairs(r.call("HGETALL", k)).items()}
        self.assertEqual(want, got, store)
        slot = int(pairs(r.call("RESV.STORE.GET", store))["slot_minutes"])
        for day, minutes in want.items():
            per = {}
            for m, (c, p) in minutes.items():
                k = (int(m[:2]) * 60 + int(m[3:])) // slot
                per[k] = (per.get(k, (0, 0))[0] + c, per.get(k, (0, 0))[1] + p)
            av = pairs(r.call("RESV.AVAILABILITY", store, day))
            self.assertEqual(slot, av["slot_minutes"])
            slots = [pairs(x) for x in av["slots"]]
            self.assertEqual((1440 + slot - 1) // slot, len(slots))
            self.assertEqual([per.get(k, (0, 0)) for k in range(len(slots))],
                             [(x["covers"], x["parties"]) for x in slots], (store, day))

    def check_lookup(self, store, recs, parts):
        """resv:{S}:lookup is exactly the number, external id and phone (last 4 digits) of
        every reservation -> the ids in byte order; RESV.FIND answers as computed here."""
        r = self.r
        want = {}
        for rid, h in recs.items():
            digits = "".join(c for c in h.get("customer_phone", "") if c.isdigit())
            fields = []
            if "reservation_number" in h:
                fields.append("n:" + h["reservation_number"])
            if "external_reservation_id" in h:
                fields.append("x:" + h["external_reservation_id"])
            if len(digits) >= 4:
                fields.append("p:" + digits[-4:])
            for field in fields:
                want.setdefault(field, []).append(rid)
        self.found["shared"] = self.found.get("shared", 0) + sum(len(v) > 1 for v in want.values())
        want = {f: " ".join(sorted(ids, key=lambda x: x.encode())) for f, ids in want.items()}
        key = "resv:{%s}:lookup" % store
        self.assertEqual(want, pairs(r.call("HGETALL", key)), store)
        if not want:
            self.assertEqual(0, r.call("EXISTS", key))
        for q in FIND_QUERIES:
            qd = "".join(c for c in q if c.isdigit())
            hits = {}
            for rid, h in recs.items():
                for field in ("reservation_id", "reservation_number", "external_reservation_id"):
                    if h.get(field) == q:
                        hits.setdefault(rid, field)
            if not hits and len(qd) >= 4 and all(c.isdigit() or c in " +-()" for c in q):
                for rid, h in recs.items():
                    if "".join(c for c in h.get("customer_phone", "") if c.isdigit()).endswith(qd):
                        hits[rid] = "customer_phone"
            exp = sorted(hits, key=lambda rid: (parts[rid][0][2], rid.encode()))
            total, items = r.call("RESV.FIND", store, "QUERY", q, "LIMIT", "1000")
            self.assertEqual(len(exp), total, (store, q))
            self.assertEqual([(rid, hits[rid]) for rid in exp],
                             [(pairs(i[1])["reservation_id"], i[0]) for i in items], (store, q))
            for kind in hits.values():
                self.found[kind] = self.found.get(kind, 0) + 1

    def check_queries(self, store, idx, recs):
        """RESV.LIST and RESV.STATS against the same queries answered from idx (rid ->
        (score, status)) in Python, over random ranges that start and end mid-day."""
        r = self.r
        rng = random.Random(len(idx))
        lo_all, hi_all = day_start("2024-02-29"), day_start("2024-03-22")
        for q in range(12):
            status = rng.choice([None, None] + STATUSES)
            a, b = sorted(rng.randrange(lo_all, hi_all, 900) for _ in range(2))
            rngs = rng.choice([(None, None), (a, None), (None, b), (a, b)])
            want = sorted((sc, rid) for rid, (sc, st) in idx.items()
                          if (status is None or st == status)
                          and (rngs[0] is None or sc >= rngs[0])
                          and (rngs[1] is None or sc <= rngs[1]))
            limit = rng.choice([1, 3, 7, 50])
            cmd = ["RESV.LIST", store, "LIMIT", limit]
            if status:
                cmd += ["STATUS", status]
            if rngs[0] is not None:
                cmd += ["FROM", fmt(rngs[0])]
            if rngs[1] is not None:
                cmd += ["TO", fmt(rngs[1])]
            got, cur = [], None
            for _ in range(len(want) // limit + 2):
                cur, items = r.call(*(cmd + (["CURSOR", cur] if cur else [])))
                got += [pairs(i)["reservation_id"] for i in items]
                if cur == "0":
                    break
                self.assertEqual(limit, len(items))
            self.assertEqual("0", cur, cmd)
            self.assertEqual([rid for _, rid in want], got, cmd)
            if rngs[0] is None or rngs[1] is None:
                continue
            bucket = rng.choice([None, 45, 1440])
            scmd = ["RESV.STATS", store, "FROM", fmt(a), "TO", fmt(b)]
            if bucket:
                scmd += ["BUCKET", str(bucket)]
            st = pairs(r.call(*scmd))
            inr = [(sc, rid, s) for rid, (sc, s) in idx.items() if a <= sc <= b]
            cnt = lambda rid: int(recs[rid].get("customer_count", "0"))  # noqa: E731
            self.assertEqual(len(inr), st["total"], scmd)
            self.check_covers(st, inr, cnt, scmd)
            for s in STATUSES:
                self.assertEqual(sum(1 for x in inr if x[2] == s), st[s], scmd)
            if bucket:
                exp = {}
                for sc, rid, s in inr:
                    k = a + (sc - a) // (bucket * 60) * (bucket * 60)
                    exp.setdefault(fmt(k), []).append(rid)
                b_got = [pairs(x) for x in st["buckets"]]
                self.assertEqual(sorted(exp), [x["start"] for x in b_got], scmd)
                self.assertEqual([len(exp[k]) for k in sorted(exp)],
                                 [x["total"] for x in b_got], scmd)
                for k, x in zip(sorted(exp), b_got):
                    self.check_covers(x, [y for y in inr if y[1] in exp[k]], cnt, scmd)

    def check_covers(self, st, inr, cnt, what):
        """covers: the live parties only; cancelled and no-show parties apart."""
        live = STATUSES[:5]
        self.assertEqual(sum(cnt(rid) for _, rid, s in inr if s in live), st["covers"], what)
        self.assertEqual(sum(cnt(rid) for _, rid, s in inr if s == "cancelled"),
                         st["covers_cancelled"], what)
        self.assertEqual(sum(cnt(rid) for _, rid, s in inr if s == "no_show"),
                         st["covers_no_show"], what)


if __name__ == "__main__":
    unittest.main(verbosity=1)

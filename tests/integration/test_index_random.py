"""Random operations against module/resv.so, then every index checked against the
hashes: each reservation is in resv:{S}:i:all and exactly one status set with the
score of its start instant (computed here, in Python), no index member lacks a hash,
the tables hash is exactly the seated reservations, and the owner keys match; the push
outbox refers to known reservations only, every pending sync_status has an outbox entry
and every failed one a failure log entry of an existing reservation.
RESV_SEED=<n> replays a run; RESV_OPS=<n> sets the number of operations."""
import calendar
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, RespError, pairs  # noqa: E402

STATUSES = ["pending", "confirmed", "arrived", "seated", "completed", "cancelled", "no_show"]
STORES = ["store-a", "store-b", "门店-c"]
TABLES = ["A1", "A2", "A3", "B1", "B2", "桌-8"]
SLOTS = ["18:00-20:00", "18:00", "11:30-13:00", "23:00-01:00", "00:00-24:00", "19:45"]


def start_instant(date, slot):
    d = calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%S"))
    if slot is None:
        return d
    day = d - d % 86400
    return day + int(slot[0:2]) * 3600 + int(slot[3:5]) * 60


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
        for _ in range(nops):
            rid = rng.choice(ids)
            store = rng.choice(STORES) if rng.random() < 0.1 else STORES[int(rid[1:]) % 3]
            op = rng.random()
            if op < 0.45:
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
                key = kind
            else:
                key = res if isinstance(res, (str, int)) else "map"
            outcomes[(cmd[0], key)] = outcomes.get((cmd[0], key), 0) + 1
        print("outcomes:", sorted(outcomes.items(), key=str))
        self.assertGreater(outcomes.get(("RESV.UPSERT", "created"), 0), 50)
        self.assertGreater(outcomes.get(("RESV.STATUS", "map"), 0), 100)
        self.check_indexes(ids)

    def check_indexes(self, ids):
        r = self.r
        owners = {}
        for k in r.call("KEYS", "resv:owner:*"):
            owners[k[len("resv:owner:{"):-1]] = r.call("GET", k)
        seen_ids = set()
        for store in STORES:
            pre = "resv:{%s}:" % store
            recs = {}
            for k in r.call("KEYS", pre + "r:*"):
                recs[k[len(pre) + 2:]] = pairs(r.call("HGETALL", k))
            allidx = pairs(r.call("ZRANGE", pre + "i:all", "0", "-1", "WITHSCORES"))
            statidx = {s: pairs(r.call("ZRANGE", pre + "i:" + s, "0", "-1", "WITHSCORES"))
                       for s in STATUSES}
            for rid, h in recs.items():
                self.assertEqual(rid, h["reservation_id"])
                self.assertEqual(store, h["store_id"])
                score = start_instant(h["reservation_date"], h.get("reservation_time"))
                self.assertIn(rid, allidx, (store, rid))
                self.assertEqual(score, int(allidx[rid]), (store, rid, h))
                holders = [s for s in STATUSES if rid in statidx[s]]
                self.assertEqual([h["status"]], holders, (store, rid))
                self.assertEqual(score, int(statidx[h["status"]][rid]))
                if h["status"] == "arrived":
                    self.assertIn("arrival_time", h)
                self.assertEqual(store, owners.get(rid), rid)
                self.assertNotIn(rid, seen_ids)
                seen_ids.add(rid)
            for rid in allidx:
                self.assertIn(rid, recs, "index member without hash: %s %s" % (store, rid))
            for s in STATUSES:
                for rid in statidx[s]:
                    self.assertIn(rid, recs)
            tables = pairs(r.call("HGETALL", pre + "tables"))
            seated = {h["table_number"]: rid for rid, h in recs.items() if h["status"] == "seated"}
            self.assertEqual(len(seated), sum(1 for h in recs.values() if h["status"] == "seated"),
                             "two seated reservations share a table")
            self.assertEqual(seated, tables, store)
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


if __name__ == "__main__":
    unittest.main(verbosity=1)

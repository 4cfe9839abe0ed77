"""Walk-ins (issue 12, item 5) against a real Redis with the module and a real sidecar,
with the store's clock set by resv.test-clock (the store in UTC, so the test's instants
are the store's wall clock): the seated walk-in's audit entry (origin walk_in, the
caller as actor) and arrival time."""
import calendar
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, RespError, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

S = "store-w"
DAY = "2024-03-01"
NOW = DAY + "T19:00:00"
WAIT = API + "/stores/%s/waitlist" % S


def utc(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))


class WalkIns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port)
        cls.fm = cls.sc.token("floor_manager", sub="host-7")

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())

    def setUp(self):
        r = self.r
        r.call("FLUSHALL")
        r.call("CONFIG", "SET", "resv.test-clock", str(utc(NOW)))
        r.call("RESV.STORE.SET", S, "timezone", "UTC")
        r.call("RESV.TABLE.SET", S, "V01", "SEATS", "10", "JOINS", "V02")
        r.call("RESV.TABLE.SET", S, "V02", "SEATS", "6")
        r.call("RESV.TABLE.SET", S, "A1", "SEATS", "4")
        r.call("RESV.TABLE.SET", S, "A2", "SEATS", "4")

    def tearDown(self):
        self.r.call("CONFIG", "SET", "resv.test-clock", "0")

    def add(self, name="张先生", party=4):
        return pairs(self.r.call("RESV.WAIT.ADD", S, name, "13800005678", str(party)))["entry"]

    def history(self, rid):
        return [pairs(x) for x in self.r.call("RESV.HISTORY", S, rid)]

    def test_seated_walk_in_audit_and_arrival(self):
        """The walk-in's reservation is created with origin walk_in (source walk_in too),
        by the caller (ACTOR; over HTTP the token's subject), arrived now."""
        r = self.r
        e1 = self.add()
        rec = pairs(r.call("RESV.WAIT.SEAT", S, e1, "A1", "ACTOR", "阿明"))
        self.assertEqual(("seated", "walk_in", NOW, NOW),
                         (rec["status"], rec["source"], rec["arrival_time"], rec["created_at"]))
        h = self.history("walkin-" + e1)
        self.assertEqual([("walk_in", "阿明", "walk_in")],
                         [(x["origin"], x["actor"], x["event"]) for x in h])
        # over HTTP: the token's subject
        e2 = self.add("李四", 2)
        st, _, body = self.sc.request("POST", WAIT + "/%s/seat?table_number=A2" % e2, token=self.fm)
        self.assertEqual(201, st, body)
        self.assertEqual((NOW, "walk_in"), (body["arrival_time"], body["source"]))
        st, _, body = self.sc.request("GET", API + "/reservation/walkin-%s/history" % e2,
                                      token=self.fm)
        self.assertEqual(200, st, body)
        self.assertEqual([("walk_in", "host-7", "walk_in")],
                         [(x["origin"], x["actor"], x["event"]) for x in body["history"]])
        # walk_in is RESV.WAIT.SEAT's own origin; ACTOR is checked as RESV.UPSERT's
        e = r.try_call("RESV.UPSERT", S, "X1", "ORIGIN", "walk_in", "reservation_date", DAY)
        self.assertEqual("ERR invalid ORIGIN: must be one of api webhook sync pull", str(e))
        e3 = self.add("Ann", 2)
        for bad, msg in ((["ACTOR"], "ERR wrong number of arguments for 'resv.wait.seat' command"),
                         (["ACTOR", "a\nb"], "ERR invalid ACTOR:"),
                         (["WHO", "a"], "ERR syntax error at 'WHO'"),
                         (["ACTOR", "a", "x"], "ERR syntax error at 'x'")):
            e = r.try_call("RESV.WAIT.SEAT", S, e3, "V02", *bad)
            self.assertIsInstance(e, RespError, bad)
            self.assertTrue(str(e).startswith(msg), (bad, str(e)))
        self.assertIsNone(r.call("RESV.GET", S, "walkin-" + e3))
        self.assertEqual(1, r.call("XLEN", "resv:{%s}:wait" % S))


if __name__ == "__main__":
    unittest.main(verbosity=1)

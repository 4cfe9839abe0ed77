"""The floor's write check where a second review of issue 12 found it wrong, against a
real Redis with the module and a real sidecar: a write whose result is seated checked
against the window it then holds (stretched to now and a slot past now, as the
readers see it), pacing refused only for a limit the write raises, and a provider's
booking naming tables the inventory does not know or that do not join: stored, holding
the tables it can, flagged. The store's zone is Asia/Shanghai (UTC+8, no DST)."""
import calendar
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, RespError, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

S = "store-w"
DAY = "2024-03-01"


def at(hhmm, day=DAY):
    """UTC seconds of the store's wall clock hhmm in Asia/Shanghai."""
    return calendar.timegm((int(day[:4]), int(day[5:7]), int(day[8:10]), int(hhmm[:2]),
                            int(hhmm[3:5]), 0)) - 8 * 3600


class FloorWrites(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())

    def setUp(self):
        r = self.r
        r.call("FLUSHALL")
        r.call("CONFIG", "SET", "resv.default-timezone", "Asia/Shanghai")
        r.call("CONFIG", "SET", "resv.test-clock", str(at("17:00")))
        for t in ("T6", "T7", "K1", "X1", "X3", "X4"):
            r.call("RESV.TABLE.SET", S, t, "SEATS", "4")

    def tearDown(self):
        self.r.call("CONFIG", "SET", "resv.test-clock", "0")

    def clock(self, hhmm):
        self.r.call("CONFIG", "SET", "resv.test-clock", str(at(hhmm)))

    def book(self, rid, slot, count, table, origin=None, status="confirmed", day=DAY):
        cmd = ["RESV.UPSERT", S, rid] + (["ORIGIN", origin] if origin else [])
        cmd += ["reservation_date", day, "reservation_time", slot, "customer_count", str(count),
                "status", status] + (["table_number", table] if table else [])
        return self.r.try_call(*cmd)

    def flag(self, rid):
        return pairs(self.r.call("RESV.GET", S, rid)).get("overbooked")

    def events(self, rid):
        feed = [pairs(f) for _, f in self.r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        return [f["event"] for f in feed if f["reservation_id"] == rid]

    def held(self):
        return pairs(self.r.call("HGETALL", "resv:{%s}:held" % S))

    # 1. a write whose result is seated is checked against the window it then holds

    def test_seated_at_another_table_checks_stretched_window(self):
        """20:30: E (19:00-20:00, arrived) seated at T6 would hold it until 21:00, over
        D's 20:40-22:00: refused naming D, as a change of tables is; D can be seated."""
        r = self.r
        self.assertEqual("created", self.book("D", "20:40-22:00", 2, "T6"))
        self.assertEqual("created", self.book("E", "19:00-20:00", 2, None, status="arrived"))
        self.clock("20:30")
        e = r.try_call("RESV.STATUS", S, "E", "seated", "TABLE", "T6")
        self.assertIsInstance(e, RespError)
        self.assertEqual("CONFLICT table T6 is held by D from 2024-03-01T20:40:00 to "
                         "2024-03-01T22:00:00", str(e))
        self.assertEqual("arrived", pairs(r.call("RESV.GET", S, "E"))["status"])
        r.call("RESV.STATUS", S, "D", "seated")
        self.assertEqual("seated", pairs(r.call("RESV.GET", S, "D"))["status"])

    def test_early_guest_seated_is_flagged(self):
        """20:30: F (booked 21:45 at T7) arrives early and is seated; it then holds T7
        from now, over G's 20:30-21:30: a status alone is never refused, so it is stored
        flagged overbooked, with its event."""
        r = self.r
        self.assertEqual("created", self.book("F", "21:45", 2, "T7"))
        self.assertEqual("created", self.book("G", "20:30-21:30", 2, "T7"))
        self.clock("20:30")
        self.assertEqual("seated", pairs(r.call("RESV.STATUS", S, "F", "seated"))["status"])
        self.assertEqual("true", self.flag("F"))
        self.assertIn("overbooked", self.events("F"))

    def test_seated_at_creation_weeks_ahead(self):
        """A front-desk booking created seated for a date weeks ahead holds K1 from now:
        over H's hold tonight it is refused (409 naming H), nothing written."""
        self.assertEqual("created", self.book("H", "21:00-22:00", 2, "K1"))
        self.clock("20:30")
        body = {"reservation_id": "K", "reservation_date": "2024-03-29",
                "reservation_time": "19:00-20:00", "customer_count": 2, "status": "seated",
                "table_number": "K1"}
        st, _, out = self.sc.request("POST", API + "/stores/%s/reservations" % S, body,
                                     token=self.sc.token("floor_manager"))
        self.assertEqual(409, st, out)
        self.assertEqual("conflict", out["error"]["code"], out)
        self.assertIn("held by H", out["error"]["message"])
        self.assertIsNone(self.r.call("RESV.GET", S, "K"))

    # 2. pacing refuses only a limit the write raises

    def test_pacing_corrections_not_refused(self):
        """max_parties_per_slot 1 and the 19:30 slot over it (B forced in): fewer covers,
        or a move within the slot, do not raise it and go through; the flag stays where
        it was. More covers (with a covers limit) or a move into the full slot from
        another are refused."""
        r = self.r
        r.call("RESV.STORE.SET", S, "max_parties_per_slot", "1")
        self.assertEqual("created", self.book("A", "19:30", 3, None))
        self.assertIn("capacity", str(self.book("B", "19:30", 2, None)))
        self.assertEqual("created", r.call("RESV.UPSERT", S, "B", "FORCE", "reservation_date",
                                           DAY, "reservation_time", "19:30", "customer_count",
                                           "2"))
        self.assertEqual("true", self.flag("B"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "A", "customer_count", "1"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "A", "reservation_time", "19:45"))
        self.assertIsNone(self.flag("A"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "B", "customer_count", "1"))
        self.assertEqual("true", self.flag("B"))
        r.call("RESV.STORE.SET", S, "max_covers_per_slot", "2")
        e = r.try_call("RESV.UPSERT", S, "A", "customer_count", "2")
        self.assertEqual("CONFLICT capacity: covers 3/2 parties 2/1 in the slot", str(e))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "A", "reservation_time", "20:00"))
        self.assertIn("capacity", str(r.try_call("RESV.UPSERT", S, "A", "reservation_time",
                                                 "19:30")))
        self.assertEqual("20:00", pairs(r.call("RESV.GET", S, "A"))["reservation_time"])

    # 3. a provider's booking naming tables not known or not joining holds what it can

    def test_provider_tables_unknown_or_not_joining(self):
        """From the provider, X4+Q9 (Q9 not in the inventory) and X1+X3 (they do not
        join) are stored, never refused, flagged overbooked with the event, and hold the
        tables the inventory knows: a desk booking on X4 or X1 then is refused."""
        r = self.r
        self.assertEqual("created", self.book("P1", "19:00-21:00", 2, "X4+Q9", origin="webhook"))
        self.assertEqual("created", self.book("P2", "19:00-21:00", 2, "X1+X3", origin="sync"))
        for rid, tables in (("P1", "X4"), ("P2", "X1+X3")):
            self.assertEqual("true", self.flag(rid))
            self.assertIn("overbooked", self.events(rid))
            self.assertEqual(tables, self.held()[rid].split("|")[2])
        self.assertIn("held by P1", str(self.book("N1", "20:00", 2, "X4")))
        self.assertIn("held by P2", str(self.book("N2", "20:00", 2, "X1")))
        self.assertIn("held by P2", str(self.book("N3", "20:00", 2, "X3")))
        # our own API is still refused those tables
        self.assertIn("Q9 is not in", str(self.book("N4", "12:00", 2, "X4+Q9")))
        self.assertIn("do not join", str(self.book("N5", "12:00", 2, "X1+X3")))


if __name__ == "__main__":
    unittest.main()

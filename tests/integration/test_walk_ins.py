"""Walk-ins (issue 12, item 5) against a real Redis with the module and a real sidecar,
with the store's clock set by resv.test-clock (the store in UTC, so the test's instants
are the store's wall clock): the seated walk-in's audit entry (origin walk_in, the
caller as actor) and arrival time; seated over the pacing, flagged; estimates at joined
tables; the waitlist's bound; refusals naming what the caller sent."""
import calendar
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RespError, pairs  # noqa: E402
from sidecar_harness import API, StackTest  # noqa: E402

S = "store-w"
DAY = "2024-03-01"
NOW = DAY + "T19:00:00"
WAIT = API + "/stores/%s/waitlist" % S


def utc(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))


class WalkIns(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fm = cls.sc.token("floor_manager", sub="host-7")

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

    def waits(self):
        return [pairs(x)["estimated_wait_minutes"] for x in self.r.call("RESV.WAIT.LIST", S)]

    def test_estimate_with_joined_tables(self):
        """A party no table seats alone waits for a joinable pair (listed in JOINS of
        either table, as availability has it) free together for a turn."""
        r = self.r
        r.call("RESV.TABLE.SET", S, "A2", "SEATS", "4", "JOINS", "A1")  # A1 lists nothing
        e12 = self.add("十二", 12)
        self.add("Seven", 7)
        self.add("Thirteen", 13)
        self.add("Seventeen", 17)
        # 12 at V01+V02 now; 7 at A1+A2 now (V01 alone is the 12's); 13 after the 12's
        # turn (90 minutes); 17 fits no pair
        self.assertEqual([0, 0, 90, -1], self.waits())
        # V02 held from 19:30: the pair is free together when that hold ends (21:00)
        r.call("RESV.UPSERT", S, "B1", "reservation_date", DAY, "reservation_time",
               "19:30-21:00", "customer_count", "4", "status", "confirmed", "table_number", "V02")
        self.assertEqual([120, 0, 210, -1], self.waits())
        r.call("RESV.DEL", S, "B1")
        st, _, rec = self.sc.request("POST", WAIT + "/%s/seat?table_number=V01%%2BV02" % e12,
                                     token=self.fm)
        self.assertEqual((201, "V01+V02", 12), (st, rec["table_number"], rec["customer_count"]))
        self.assertEqual([0, 90, -1], self.waits())

    def test_waitlist_bounded(self):
        """A store's waitlist holds at most 1000 parties, so RESV.WAIT.LIST shows them all;
        one more is refused (HTTP 409) until one leaves."""
        r = self.r
        c = self.redis.client()
        try:
            for i in range(1000):
                c.send("RESV.WAIT.ADD", S, "n%d" % i, "1", "2")
            got = [c.read() for _ in range(1000)]
        finally:
            c.close()
        self.assertEqual(1000, sum(isinstance(x, list) for x in got))
        e = r.try_call("RESV.WAIT.ADD", S, "late", "1", "2")
        self.assertEqual("CONFLICT waitlist is full: a store has at most 1000 parties waiting",
                         str(e))
        st, _, body = self.sc.request("POST", WAIT, {"name": "late", "phone": "1", "party": 2},
                                      token=self.fm)
        self.assertEqual((409, "conflict"), (st, body["error"]["code"]), body)
        self.assertIn("waitlist is full", body["error"]["message"])
        self.assertEqual(1000, r.call("XLEN", "resv:{%s}:wait" % S))
        lst = r.call("RESV.WAIT.LIST", S)
        self.assertEqual((1000, "n999"), (len(lst), pairs(lst[-1])["name"]))
        self.assertEqual(1, r.call("RESV.WAIT.DEL", S, pairs(lst[0])["entry"]))
        self.assertEqual("late", pairs(r.call("RESV.WAIT.ADD", S, "late", "1", "2"))["name"])

    def test_seat_refusals_name_what_was_sent(self):
        """The waitlist's party is `party`, the seat's table `table_number`; the seat route
        takes no body, and a body member is a 400 naming it, with nothing changed."""
        r, sc = self.r, self.sc
        e = self.add("Big", 8)
        self.assertEqual("ERR invalid party: 8 is over the 4 seats of A1",
                         str(r.try_call("RESV.WAIT.SEAT", S, e, "A1")))
        err = str(r.try_call("RESV.WAIT.SEAT", S, e, "a b"))
        self.assertTrue(err.startswith("ERR invalid table_number: "), err)
        seat = WAIT + "/%s/seat?table_number=" % e
        st, _, body = sc.request("POST", seat + "A1", token=self.fm)
        self.assertEqual((400, "invalid party: 8 is over the 4 seats of A1"),
                         (st, body["error"]["message"]), body)
        st, _, body = sc.request("POST", seat + "a%20b", token=self.fm)
        self.assertEqual(400, st, body)
        self.assertTrue(body["error"]["message"].startswith("invalid table_number: "), body)
        for bad, msg in (({"force": True}, "unknown field force"),
                         ({"table_number": "V01"}, "unknown field table_number"),
                         ([1], "the body must be a JSON object"),
                         ("{", "invalid JSON")):
            st, _, body = sc.request("POST", seat + "V01", bad, token=self.fm)
            self.assertEqual(400, st, (bad, body))
            self.assertIn(msg, body["error"]["message"], bad)
        self.assertIsNone(r.call("RESV.GET", S, "walkin-" + e))
        st, _, body = sc.request("POST", seat + "V01", {}, token=self.fm)
        self.assertEqual((201, "V01"), (st, body.get("table_number")), body)

    def test_add_refusals_tell_given_from_missing(self):
        """A field left out is required; one given with a wrong value (a string for the
        party, a number for the name) is invalid, in the module's words; nothing is
        added."""
        base = {"name": "Ann", "phone": "1", "party": 2}
        for field, value, msg in (
                ("party", "2", "invalid party: must be an integer from 1 to 9999"),
                ("party", 0, "invalid party: must be an integer from 1 to 9999"),
                ("party", None, "party is required: an integer from 1 to 9999"),
                ("name", 5, "invalid name: must be a non-empty string"),
                ("name", "", "invalid name: must be a non-empty string"),
                ("phone", [], "invalid phone: must be a non-empty string")):
            body = dict(base)
            if value is None:
                del body[field]
            else:
                body[field] = value
            st, _, got = self.sc.request("POST", WAIT, body, token=self.fm)
            self.assertEqual((400, msg), (st, got["error"]["message"]), body)
        self.assertEqual([], self.r.call("RESV.WAIT.LIST", S))

    def test_delete_refuses_a_body(self):
        """DELETE .../waitlist/{entry} takes no body, as seating: a member is a 400 naming
        it and the party stays; an empty object or none removes it."""
        e = self.add()
        url = WAIT + "/" + e
        for bad, msg in (({"a": 1}, "unknown field a: removing a party takes no body"),
                         ([1], "the body must be a JSON object")):
            st, _, body = self.sc.request("DELETE", url, bad, token=self.fm)
            self.assertEqual((400, msg), (st, body["error"]["message"]), bad)
        self.assertEqual(1, len(self.r.call("RESV.WAIT.LIST", S)))
        st, _, body = self.sc.request("DELETE", url, {}, token=self.fm)
        self.assertEqual((200, True), (st, body.get("deleted")), body)
        st, _, body = self.sc.request("DELETE", url, token=self.fm)
        self.assertEqual(404, st, body)

    def feed(self, rid):
        feed = [pairs(f) for _, f in self.r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        return [f["event"] for f in feed if f["reservation_id"] == rid]

    def test_walk_in_over_pacing_seated_flagged(self):
        """Pacing is about bookings taken ahead: a party standing at the host stand is
        seated at a free table over it, flagged overbooked with its feed event; a table
        held over the turn or too small still refuses."""
        r = self.r
        r.call("RESV.STORE.SET", S, "max_parties_per_slot", "1", "max_covers_per_slot", "4")
        self.assertEqual("created", r.call(
            "RESV.UPSERT", S, "B1", "reservation_date", DAY, "reservation_time", "19:10",
            "customer_count", "2", "status", "confirmed", "table_number", "V02"))
        e1, e2, e3 = self.add(party=4), self.add("Ann", 2), self.add("Big", 8)
        e = r.try_call("RESV.WAIT.SEAT", S, e1, "V02")  # held by B1 from 19:10
        self.assertEqual("CONFLICT table V02 is held by B1 from 2024-03-01T19:10:00 to "
                         "2024-03-01T20:40:00", str(e))
        e = r.try_call("RESV.WAIT.SEAT", S, e3, "A1")
        self.assertIsInstance(e, RespError)
        self.assertTrue(str(e).endswith(": 8 is over the 4 seats of A1"), e)
        rec = pairs(r.call("RESV.WAIT.SEAT", S, e1, "A1"))
        self.assertEqual(("seated", "true"), (rec["status"], rec["overbooked"]))
        self.assertEqual(["created", "overbooked"], self.feed("walkin-" + e1))
        # over HTTP: 201 with "overbooked": true
        st, _, body = self.sc.request("POST", WAIT + "/%s/seat?table_number=A2" % e2, token=self.fm)
        self.assertEqual(201, st, body)
        self.assertIs(True, body["overbooked"])
        self.assertEqual(["created", "overbooked"], self.feed("walkin-" + e2))
        # our own booking into that slot is still refused
        e = r.try_call("RESV.UPSERT", S, "B2", "reservation_date", DAY, "reservation_time",
                       "19:00", "customer_count", "2", "table_number", "V01")
        self.assertEqual("CONFLICT capacity: covers 10/4 parties 4/1 in the slot", str(e))
        # under the limits nothing is flagged
        r.call("RESV.STORE.SET", S, "max_parties_per_slot", "", "max_covers_per_slot", "")
        rec = pairs(r.call("RESV.WAIT.SEAT", S, e3, "V01"))
        self.assertNotIn("overbooked", rec)
        self.assertEqual(["created"], self.feed("walkin-" + e3))


if __name__ == "__main__":
    unittest.main(verbosity=1)

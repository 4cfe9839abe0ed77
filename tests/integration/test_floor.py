"""The floor (issue 12) against a real Redis with the module and a real sidecar: the
table inventory (RESV.TABLE.SET/DEL, PUT/DELETE /stores/{store_id}/tables/{table}),
RESV.TABLES and GET /reservation/tables with the seated party and the hold now or next,
holds of tables over time (overlap refused naming the holder, a party over the seats
refused, joined tables, back-to-back slots, cancel/no_show/completed/delete freeing,
seated keeping), the provider's booking stored and flagged overbooked with a feed event,
and the race of two requests for one table (one wins, one 409). Each day's load
(resv:{S}:load:<day>) and what availability and pacing count from it, across create,
moves of date and time, party changes, cancel, a no-show's return, delete and changes of
slot_minutes; a day written before the load existed (no key, or a value not ours) is
counted from its records and rebuilt by its next write."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RespError, pairs  # noqa: E402
from sidecar_harness import API, StackTest  # noqa: E402

S = "store-f"
DAY = "2024-03-01"


class Floor(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.sc.token("admin")

    def setUp(self):
        r = self.r
        r.call("FLUSHALL")
        r.call("RESV.TABLE.SET", S, "V01", "SEATS", "10", "AREA", "包间", "JOINS", "V02")
        r.call("RESV.TABLE.SET", S, "V02", "SEATS", "6")
        r.call("RESV.TABLE.SET", S, "A1", "SEATS", "4")

    def book(self, rid, slot, count, table, *extra, origin=None, status="confirmed"):
        cmd = ["RESV.UPSERT", S, rid] + (["ORIGIN", origin] if origin else [])
        cmd += ["reservation_date", DAY, "reservation_time", slot, "customer_count", str(count),
                "status", status, "table_number", table] + list(extra)
        return self.r.try_call(*cmd)

    def held(self):
        return pairs(self.r.call("HGETALL", "resv:{%s}:held" % S))

    # the inventory

    def test_inventory_commands(self):
        r = self.r
        self.assertEqual({"table_number": "V01", "seats": 10, "area": "包间", "joins": "V02"},
                         pairs(r.call("RESV.TABLE.SET", S, "V01", "SEATS", "10", "AREA", "包间",
                                      "JOINS", "V02")))
        rows = [pairs(x) for x in r.call("RESV.TABLES", S)]
        self.assertEqual(["A1", "V01", "V02"], [x["table_number"] for x in rows])
        self.assertEqual(6, rows[2]["seats"])
        for bad, word in [(["SEATS", "0"], "SEATS"), (["SEATS", "1000"], "SEATS"),
                          (["AREA", "x"], "SEATS"), (["SEATS", "2", "JOINS", "T9"], "JOINS"),
                          (["SEATS", "2", "JOINS", "A2,A2"], "JOINS"),
                          (["SEATS", "2", "SEATS", "3"], "twice"),
                          (["SEATS", "2", "COLOR", "red"], "COLOR")]:
            e = r.try_call("RESV.TABLE.SET", S, "T9", *bad)
            self.assertIsInstance(e, RespError, bad)
            self.assertIn(word, str(e), bad)
        self.assertIsInstance(r.try_call("RESV.TABLE.SET", S, "A+B", "SEATS", "2"), RespError)
        self.assertIsInstance(r.try_call("RESV.TABLE.SET", S, "T9", "SEATS"), RespError)
        self.assertEqual(0, r.call("HEXISTS", "resv:{%s}:floor" % S, "T9"))
        self.assertEqual(1, r.call("RESV.TABLE.DEL", S, "A1"))
        self.assertEqual(0, r.call("RESV.TABLE.DEL", S, "A1"))

    def test_inventory_bounded(self):
        """A store has at most 500 tables (availability works over pairs of them); a
        table already there may still be replaced."""
        r, store = self.r, "store-big"
        for i in range(500):
            r.call("RESV.TABLE.SET", store, "T%d" % i, "SEATS", "2")
        self.assertEqual(500, r.call("HLEN", "resv:{%s}:floor" % store))
        e = r.try_call("RESV.TABLE.SET", store, "T500", "SEATS", "2")
        self.assertIsInstance(e, RespError)
        self.assertIn("too many tables", str(e))
        self.assertEqual(0, r.call("HEXISTS", "resv:{%s}:floor" % store, "T500"))
        self.assertEqual(4, pairs(r.call("RESV.TABLE.SET", store, "T7", "SEATS", "4"))["seats"])

    def test_inventory_longest_values_kept_whole(self):
        """JOINS names tables of at most 32 bytes, as the table argument does: a longer
        one was accepted and the whole value did not fit the encoding buffer, so the
        table was written as "" (no seats) while the reply showed it set."""
        r = self.r
        joins = ",".join("%d" % i + "y" * 31 for i in range(8))  # 8 tables of 32 bytes
        area = "😀" * 64  # 64 characters of 4 bytes
        got = pairs(r.call("RESV.TABLE.SET", S, "B1", "SEATS", "999", "AREA", area,
                           "JOINS", joins))
        self.assertEqual({"table_number": "B1", "seats": 999, "area": area, "joins": joins}, got)
        self.assertEqual("999|%s|%s" % (joins, area), r.call("HGET", "resv:{%s}:floor" % S, "B1"))
        row = [pairs(x) for x in r.call("RESV.TABLES", S) if pairs(x)["table_number"] == "B1"]
        self.assertEqual(999, row[0]["seats"])
        long_join = "x" * 33
        err = r.try_call("RESV.TABLE.SET", S, "B2", "SEATS", "4", "JOINS", long_join)
        self.assertIsInstance(err, RespError)
        self.assertTrue(str(err).startswith("ERR invalid JOINS:"), err)
        self.assertIsNone(r.call("HGET", "resv:{%s}:floor" % S, "B2"))

    def test_option_given_twice_named(self):
        """RESV.TABLE.SET names the option given twice, as every command does (it said
        'option given twice at SEATS/AREA/JOINS' whichever it was); nothing is written."""
        for opt, val in (("SEATS", "4"), ("AREA", "a"), ("JOINS", "V02")):
            err = self.r.try_call("RESV.TABLE.SET", S, "B2", "SEATS", "4", "AREA", "a", "JOINS",
                                  "V01", opt.lower(), val)
            self.assertEqual("ERR option %s given twice" % opt, str(err))
        self.assertIsNone(self.r.call("HGET", "resv:{%s}:floor" % S, "B2"))

    def test_store_without_inventory_as_before(self):
        r = self.r
        r.call("RESV.UPSERT", "plain", "P1", "reservation_date", DAY, "reservation_time",
               "18:00-20:00", "status", "confirmed", "table_number", "V01", "customer_count", "40")
        r.call("RESV.UPSERT", "plain", "P2", "reservation_date", DAY, "reservation_time",
               "18:00-20:00", "status", "confirmed", "table_number", "V01")
        self.assertEqual([], r.call("RESV.TABLES", "plain"))
        self.assertEqual([], r.call("KEYS", "resv:{plain}:hold*"))
        r.call("RESV.STATUS", "plain", "P1", "seated")
        self.assertEqual([{"table_number": "V01", "reservation_id": "P1", "customer_count": "40",
                           "status": "seated"}], [pairs(x) for x in r.call("RESV.TABLES", "plain")])

    # holds over time

    def test_overlap_refused_naming_holder(self):
        self.assertEqual("created", self.book("R1", "18:00-20:00", 10, "V01"))
        e = self.book("R2", "19:00-21:00", 8, "V01")
        self.assertIsInstance(e, RespError)
        self.assertEqual("CONFLICT table V01 is held by R1 from 2024-03-01T18:00:00 to "
                         "2024-03-01T20:00:00", str(e))
        self.assertIsNone(self.r.call("RESV.GET", S, "R2"))  # nothing written
        # back to back is no overlap; a slot without end holds turn_minutes (90)
        self.assertEqual("created", self.book("R2", "20:00-21:00", 8, "V01"))
        self.assertEqual("created", self.book("R3", "17:00", 2, "A1"))
        self.assertIsInstance(self.book("R4", "18:29", 2, "A1"), RespError)
        self.assertEqual("created", self.book("R4", "18:30", 2, "A1"))
        self.assertEqual("1709316000|1709323200|V01", self.held()["R1"])
        # moving the booking moves its hold, and an update of the same booking is no clash
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "R1", "reservation_time",
                                                "17:00-19:00"))
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "R1", "notes", "靠窗"))
        self.assertEqual("1709312400|1709319600|V01", self.held()["R1"])

    def test_party_over_seats(self):
        e = self.book("R1", "18:00-20:00", 12, "V01")
        self.assertIsInstance(e, RespError)
        self.assertEqual("ERR invalid customer_count: 12 is over the 10 seats of V01", str(e))
        # joined tables seat together; tables that do not join are refused
        self.assertEqual("created", self.book("R1", "18:00-20:00", 16, "V01+V02"))
        self.assertIn("do not join", str(self.book("R2", "18:00-20:00", 2, "A1+V02")))
        self.assertIn("not in the store's table inventory", str(self.book("R2", "18:00", 2, "Z9")))
        # the join holds both tables
        self.assertIn("held by R1", str(self.book("R3", "19:00", 2, "V02")))
        self.assertIsInstance(self.r.try_call("RESV.UPSERT", S, "R1", "customer_count", "17"),
                              RespError)

    def test_statuses_free_and_keep(self):
        r = self.r
        for rid, end in (("C1", "cancelled"), ("C2", "no_show"), ("C3", "completed")):
            self.assertEqual("created", self.book(rid, "18:00-20:00", 2, "A1"))
            if end == "completed":
                r.call("RESV.STATUS", S, rid, "seated")
            r.call("RESV.STATUS", S, rid, end)
            self.assertNotIn(rid, self.held())
        self.assertEqual("created", self.book("S1", "18:00-20:00", 2, "A1"))
        r.call("RESV.STATUS", S, "S1", "arrived")
        r.call("RESV.STATUS", S, "S1", "seated")
        self.assertIn("S1", self.held())  # seated keeps the table
        self.assertIsInstance(self.book("S2", "19:00", 2, "A1"), RespError)
        self.assertEqual(1, r.call("RESV.DEL", S, "S1"))
        self.assertEqual({}, self.held())
        self.assertEqual([], r.call("KEYS", "resv:{%s}:hold:*" % S))

    def test_provider_overbooked(self):
        r = self.r
        self.assertEqual("created", self.book("R1", "18:00-20:00", 10, "V01"))
        self.assertEqual("created", self.book("W1", "19:00", 12, "V01", origin="webhook"))
        rec = pairs(r.call("RESV.GET", S, "W1"))
        self.assertEqual("true", rec["overbooked"])
        self.assertIn("W1", self.held())  # stored and holding: the index is the records'
        feed = [pairs(f) for _, f in r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        self.assertEqual(["created", "overbooked"],
                         [f["event"] for f in feed if f["reservation_id"] == "W1"])
        # its reason: the first of what our API would have refused it for
        self.assertEqual("invalid customer_count: 12 is over the 10 seats of V01",
                         [f for f in feed if f["event"] == "overbooked"][0]["reason"])
        self.assertNotIn("reason", feed[0])
        # moved away by our own API to a free table: the flag goes
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "W1", "table_number", "V01+V02",
                                           "reservation_time", "20:00"))
        self.assertNotIn("overbooked", pairs(r.call("RESV.GET", S, "W1")))
        # a table the inventory does not know: stored, holding nothing, flagged
        self.assertEqual("created", self.book("W2", "19:00", 2, "Z9", origin="sync"))
        self.assertNotIn("W2", self.held())
        self.assertEqual("true", pairs(r.call("RESV.GET", S, "W2"))["overbooked"])
        feed = [pairs(f) for _, f in r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        self.assertEqual("invalid table_number: Z9 is not in the store's table inventory",
                         feed[-1]["reason"])
        # the same table at the same time, within its seats: the hold is the reason
        self.assertEqual("created", self.book("W3", "18:30", 4, "V01", origin="pull"))
        feed = [pairs(f) for _, f in r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        self.assertEqual(("W3", "overbooked"), (feed[-1]["reservation_id"], feed[-1]["event"]))
        self.assertTrue(feed[-1]["reason"].startswith("table V01 is held by R1 from "), feed[-1])

    def test_pipelined_race(self):
        """Two commands for one table in the same instant: the first applied wins."""
        c = self.redis.client()
        try:
            for rid in ("X1", "X2"):
                c.send("RESV.UPSERT", S, rid, "reservation_date", DAY, "reservation_time",
                       "18:00-20:00", "customer_count", "2", "table_number", "A1")
            got = [c.read(), c.read()]
        finally:
            c.close()
        self.assertEqual("created", got[0])
        self.assertIsInstance(got[1], RespError)
        self.assertIn("held by X1", str(got[1]))

    # pacing and the store's settings

    def test_pacing(self):
        r = self.r
        r.call("RESV.STORE.SET", S, "max_covers_per_slot", "10", "max_parties_per_slot", "3")
        self.assertEqual("created", self.book("P1", "18:00", 4, "A1"))
        self.assertEqual("created", self.book("P2", "18:10", 4, "V01"))
        e = self.book("P3", "18:20-19:00", 3, "V02")
        self.assertIsInstance(e, RespError)
        self.assertEqual("CONFLICT capacity: covers 11/10 parties 3/3 in the slot", str(e))
        self.assertIsNone(r.call("RESV.GET", S, "P3"))
        # another slot is free; FORCE goes over; the provider is stored, flagged
        self.assertEqual("created", self.book("P3", "18:30-19:00", 3, "V02"))
        self.assertIsInstance(r.try_call("RESV.UPSERT", S, "P3", "reservation_time", "18:20"),
                              RespError)  # moved into the full slot
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "P3", "FORCE", "reservation_time",
                                           "18:20"))
        self.assertEqual("created", self.book("P4", "18:00", 1, "B9", origin="webhook"))
        self.assertEqual("true", pairs(r.call("RESV.GET", S, "P4"))["overbooked"])
        # cancelled parties free the slot; availability shows what is left
        r.call("RESV.STATUS", S, "P4", "cancelled")
        r.call("RESV.STATUS", S, "P3", "cancelled")
        at = {pairs(x)["start"][11:16]: pairs(x)
              for x in pairs(r.call("RESV.AVAILABILITY", S, DAY))["slots"]}
        self.assertEqual((8, 2, 2, 1), (at["18:00"]["covers"], at["18:00"]["parties"],
                                         at["18:00"]["covers_left"], at["18:00"]["parties_left"]))
        # bookable: would our API take one more booking of the party (1 without PARTY)?
        self.assertEqual(1, at["18:00"]["bookable"])  # 9/10 covers, 3/3 parties
        at3 = {pairs(x)["start"][11:16]: pairs(x) for x in pairs(
            r.call("RESV.AVAILABILITY", S, DAY, "PARTY", "3"))["slots"]}
        self.assertEqual((0, 1), (at3["18:00"]["bookable"], at3["19:00"]["bookable"]))
        # not bookable, its free table still listed (a walk-in is never refused for pacing)
        self.assertEqual("V02", at3["18:00"]["tables"])
        self.assertEqual("created", self.book("P5", "18:15", 2, "V02", origin="sync"))
        self.assertNotIn("overbooked", pairs(r.call("RESV.GET", S, "P5")))
        at = {pairs(x)["start"][11:16]: pairs(x)
              for x in pairs(r.call("RESV.AVAILABILITY", S, DAY))["slots"]}
        # the slot is full (3/3 parties): not bookable
        self.assertEqual((0, 0), (at["18:00"]["parties_left"], at["18:00"]["bookable"]))
        # no limits: no bookable field
        r.call("RESV.STORE.SET", S, "max_covers_per_slot", "0", "max_parties_per_slot", "0")
        slot = pairs(pairs(r.call("RESV.AVAILABILITY", S, DAY))["slots"][36])
        self.assertNotIn("bookable", slot)

    # a day's load: what pacing and availability count

    def load(self, day=DAY):
        return pairs(self.r.call("HGETALL", "resv:{%s}:load:%s" % (S, day)))

    def counted(self, day=DAY):
        """Availability's non-empty slots: HH:MM -> (covers, parties)."""
        a = pairs(self.r.call("RESV.AVAILABILITY", S, day))
        return {pairs(x)["start"][11:16]: (pairs(x)["covers"], pairs(x)["parties"])
                for x in a["slots"] if pairs(x)["parties"]}

    def plain(self, rid, *fields, day=DAY):
        """A booking without a table (nothing but the count is at stake)."""
        return self.r.try_call("RESV.UPSERT", S, rid, "reservation_date", day, *fields)

    def test_load_follows_every_write(self):
        r = self.r
        self.assertEqual("created", self.plain("L1", "reservation_time", "18:00-20:00",
                                               "customer_count", "4", "status", "confirmed"))
        self.assertEqual("created", self.plain("L2", "reservation_time", "18:10",
                                               "customer_count", "2"))  # pending counts
        self.assertEqual({"18:00": "4|1", "18:10": "2|1"}, self.load())
        self.assertEqual({"18:00": (6, 2)}, self.counted())
        # a move of the time, then of the date (into another day's key)
        r.call("RESV.UPSERT", S, "L2", "reservation_time", "19:05")
        self.assertEqual({"18:00": "4|1", "19:05": "2|1"}, self.load())
        self.assertEqual({"18:00": (4, 1), "19:00": (2, 1)}, self.counted())
        r.call("RESV.UPSERT", S, "L2", "reservation_date", "2024-03-02")
        self.assertEqual({"18:00": "4|1"}, self.load())
        self.assertEqual({"19:05": "2|1"}, self.load("2024-03-02"))
        self.assertEqual({"19:00": (2, 1)}, self.counted("2024-03-02"))
        # a party change; a status that still counts changes nothing
        r.call("RESV.UPSERT", S, "L1", "customer_count", "7")
        r.call("RESV.STATUS", S, "L1", "arrived")
        self.assertEqual({"18:00": "7|1"}, self.load())
        # cancelled: the minute, then the key, go
        r.call("RESV.STATUS", S, "L1", "cancelled")
        self.assertEqual({}, self.counted())
        self.assertEqual(0, r.call("EXISTS", "resv:{%s}:load:%s" % (S, DAY)))
        # a no-show stops counting; the late guest who arrives counts again
        self.plain("L3", "reservation_time", "20:00", "customer_count", "5", "status",
                   "confirmed")
        r.call("RESV.STATUS", S, "L3", "no_show")
        self.assertEqual({}, self.counted())
        r.call("RESV.STATUS", S, "L3", "arrived")
        self.assertEqual({"20:00": (5, 1)}, self.counted())
        # a booking whose date carries a time (no slot): its minute, seconds dropped
        self.plain("L4", "customer_count", "1", day=DAY + "T20:29:59")
        self.assertEqual({"20:00": "5|1", "20:29": "1|1"}, self.load())
        # deleted
        self.assertEqual(1, r.call("RESV.DEL", S, "L3"))
        self.assertEqual(1, r.call("RESV.DEL", S, "L4"))
        self.assertEqual(0, r.call("EXISTS", "resv:{%s}:load:%s" % (S, DAY)))
        # slot_minutes regroups the same minutes; the load is not rewritten
        self.plain("L5", "reservation_time", "18:00", "customer_count", "3")
        self.plain("L6", "reservation_time", "18:40-19:30", "customer_count", "2")
        before = self.load()
        for minutes, want in (("60", {"18:00": (5, 2)}),
                              ("15", {"18:00": (3, 1), "18:30": (2, 1)}),
                              ("25", {"17:55": (3, 1), "18:20": (2, 1)}),
                              ("30", {"18:00": (3, 1), "18:30": (2, 1)})):
            r.call("RESV.STORE.SET", S, "slot_minutes", minutes)
            self.assertEqual(want, self.counted(), minutes)
            self.assertEqual(before, self.load())

    def test_pacing_counts_each_booking_once(self):
        r = self.r
        r.call("RESV.STORE.SET", S, "max_covers_per_slot", "10", "max_parties_per_slot", "3")
        self.plain("Q1", "reservation_time", "18:00", "customer_count", "3")
        self.plain("Q2", "reservation_time", "18:20", "customer_count", "2")
        # a party change counts the booking once: 8 + 2 fits, 9 + 2 does not
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "Q1", "customer_count", "8"))
        e = r.try_call("RESV.UPSERT", S, "Q1", "customer_count", "9")
        self.assertEqual("CONFLICT capacity: covers 11/10 parties 2/3 in the slot", str(e))
        # a move within the full slot counts the booking once too
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "Q2", "reservation_time", "18:25"))
        # into the slot from another: 8 + 2 + 1 is over, 7 + 2 + 1 is the limit
        self.plain("Q3", "reservation_time", "19:00", "customer_count", "1")
        e = r.try_call("RESV.UPSERT", S, "Q3", "reservation_time", "18:10")
        self.assertEqual("CONFLICT capacity: covers 11/10 parties 3/3 in the slot", str(e))
        r.call("RESV.UPSERT", S, "Q1", "customer_count", "7")
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "Q3", "reservation_time", "18:10"))
        self.assertEqual({"18:00": (10, 3)}, self.counted())
        # a cancelled party frees its place; its return (a new booking) takes it again
        r.call("RESV.STATUS", S, "Q2", "cancelled")
        self.assertEqual("created", self.plain("Q4", "reservation_time", "18:29",
                                               "customer_count", "2"))
        e = self.plain("Q5", "reservation_time", "18:00", "customer_count", "1")
        self.assertEqual("CONFLICT capacity: covers 11/10 parties 4/3 in the slot", str(e))
        # the next slot by slot_minutes: 18:30 is another slot at 30, the same at 60
        self.assertEqual("created", self.plain("Q6", "reservation_time", "18:30",
                                               "customer_count", "1"))
        r.call("RESV.STORE.SET", S, "slot_minutes", "60")
        e = r.try_call("RESV.UPSERT", S, "Q6", "customer_count", "2")
        self.assertEqual("CONFLICT capacity: covers 12/10 parties 4/3 in the slot", str(e))

    def test_days_written_before_the_load(self):
        """A day without a load key (written before the load existed: here its key is
        deleted) is counted from its records, by availability and by pacing; the next
        write that changes its load builds the key whole, and one of another day does
        not. A value not ours is rebuilt the same way."""
        r = self.r
        key = "resv:{%s}:load:%s" % (S, DAY)
        for rid, t, n in (("O1", "18:00", "4"), ("O2", "18:10", "3"), ("O3", "19:30", "2")):
            self.plain(rid, "reservation_time", t, "customer_count", n, "status", "confirmed")
        self.plain("O4", "reservation_time", "18:00", "customer_count", "9", "status",
                   "cancelled")
        want = {"18:00": "4|1", "18:10": "3|1", "19:30": "2|1"}
        self.assertEqual(want, self.load())
        r.call("DEL", key)
        self.assertEqual({"18:00": (7, 2), "19:30": (2, 1)}, self.counted())
        r.call("RESV.STORE.SET", S, "max_covers_per_slot", "8")
        e = self.plain("O5", "reservation_time", "18:20", "customer_count", "2")
        self.assertEqual("CONFLICT capacity: covers 9/8 parties 3/0 in the slot", str(e))
        # a write of another day, or one that leaves the load alone, builds nothing here
        self.plain("P1", "reservation_time", "18:00", "customer_count", "2", day="2024-03-02")
        r.call("RESV.UPSERT", S, "O1", "notes", "窗边")
        self.assertEqual(0, r.call("EXISTS", key))
        # the next write that changes it: the whole day, as the records say
        self.assertEqual("created", self.plain("O5", "reservation_time", "19:00",
                                               "customer_count", "1"))
        self.assertEqual(dict(want, **{"19:00": "1|1"}), self.load())
        # a move out of such a day: built without the booking that left
        r.call("DEL", key)
        r.call("RESV.UPSERT", S, "O3", "reservation_date", "2024-03-02")
        self.assertEqual({"18:00": "4|1", "18:10": "3|1", "19:00": "1|1"}, self.load())
        self.assertEqual({"18:00": "2|1", "19:30": "2|1"}, self.load("2024-03-02"))
        # a value not ours where a write goes, or counts the write would take below
        # zero: the day is rebuilt whole (the stray 06:00 goes too)
        r.call("HSET", key, "19:00", "junk", "06:00", "1|1")
        r.call("RESV.STATUS", S, "O5", "cancelled")
        self.assertEqual({"18:00": "4|1", "18:10": "3|1"}, self.load())
        r.call("HSET", key, "18:10", "1|1", "06:00", "1|1")
        r.call("RESV.DEL", S, "O2")
        self.assertEqual({"18:00": "4|1"}, self.load())
        self.assertEqual({"18:00": (4, 1)}, self.counted())

    def test_settings_turn_and_slot(self):
        r = self.r
        r.call("RESV.STORE.SET", S, "turn_minutes", "60", "slot_minutes", "60")
        self.assertEqual("created", self.book("T1", "18:00", 2, "A1"))
        self.assertEqual("1709316000|1709319600|A1", self.held()["T1"])  # 60 minutes
        a = pairs(r.call("RESV.AVAILABILITY", S, DAY))
        self.assertEqual((60, 60, 24), (a["slot_minutes"], a["turn_minutes"], len(a["slots"])))

    # availability

    def test_availability(self):
        r = self.r
        self.book("R1", "18:00-20:00", 10, "V01")
        self.book("R2", "18:15", 3, "A1")
        self.book("R3", "18:20-19:00", 2, "A1", status="cancelled")  # not counted, not held
        r.call("RESV.UPSERT", S, "R4", "reservation_date", "2024-03-02", "reservation_time",
               "18:00", "customer_count", "5")  # another day
        a = pairs(r.call("RESV.AVAILABILITY", S, DAY, "PARTY", "8"))
        self.assertEqual((DAY, 8, 30, 90, 0, 0, 3),
                         (a["date"], a["party"], a["slot_minutes"], a["turn_minutes"],
                          a["max_covers_per_slot"], a["max_parties_per_slot"], a["tables"]))
        slots = [pairs(x) for x in a["slots"]]
        self.assertEqual(48, len(slots))
        at = {x["start"][11:16]: x for x in slots}
        self.assertEqual((13, 2), (at["18:00"]["covers"], at["18:00"]["parties"]))
        self.assertEqual((0, 0), (at["18:30"]["covers"], at["18:30"]["parties"]))
        # a party of 8 at 16:30 would hold V01 until 18:00: free; at 17:00 it is not
        self.assertEqual("V01", at["16:30"]["tables"])
        self.assertEqual("", at["17:00"]["tables"])
        self.assertEqual("", at["17:00"]["joined"])
        self.assertEqual("V01", at["20:00"]["tables"])
        # a party of 12 fits only V01+V02 joined
        a = pairs(r.call("RESV.AVAILABILITY", S, DAY, "PARTY", "12"))
        at = {pairs(x)["start"][11:16]: pairs(x) for x in a["slots"]}
        self.assertEqual(("", "V01+V02"), (at["20:00"]["tables"], at["20:00"]["joined"]))
        # without PARTY every free table; A1 is held 18:15-19:45
        a = pairs(r.call("RESV.AVAILABILITY", S, DAY))
        at = {pairs(x)["start"][11:16]: pairs(x) for x in a["slots"]}
        self.assertEqual("V02", at["18:00"]["tables"])
        self.assertEqual("A1,V01,V02", at["21:00"]["tables"])
        self.assertNotIn("joined", at["21:00"])
        for bad in (["2024-3-1"], [DAY, "PARTY", "0"], [DAY, "SIZE", "2"], [DAY, "PARTY"]):
            self.assertIsInstance(r.try_call("RESV.AVAILABILITY", S, *bad), RespError, bad)

    # walk-ins

    def test_waitlist(self):
        r = self.r
        e1 = pairs(r.call("RESV.WAIT.ADD", S, "张先生", "138 0000 5678", "4"))
        self.assertEqual(("张先生", "4"), (e1["name"], e1["party"]))
        e2 = pairs(r.call("RESV.WAIT.ADD", S, "Ann", "1", "2"))["entry"]
        e3 = pairs(r.call("RESV.WAIT.ADD", S, "Big", "1", "40"))["entry"]
        for bad in (["", "1", "2"], ["n", "", "2"], ["n", "x", "2"], ["n", "1", "0"]):
            self.assertIsInstance(r.try_call("RESV.WAIT.ADD", S, *bad), RespError, bad)
        lst = [pairs(x) for x in r.call("RESV.WAIT.LIST", S)]
        self.assertEqual([e1["entry"], e2, e3], [x["entry"] for x in lst])
        self.assertEqual([1, 2, 3], [x["position"] for x in lst])
        # 张先生 (4) and Ann (2) are seated at once (A1, V02 or V01 free), 40 never fits
        self.assertEqual([0, 0, -1], [x["estimated_wait_minutes"] for x in lst])
        # seated at a table too small: refused, still waiting
        e = r.try_call("RESV.WAIT.SEAT", S, e1["entry"], "V02+A1")
        self.assertIsInstance(e, RespError)
        rec = pairs(r.call("RESV.WAIT.SEAT", S, e1["entry"], "A1"))
        rid = "walkin-" + e1["entry"]
        self.assertEqual((rid, "seated", "A1", "walk_in", "4", "13800005678"),
                         (rec["reservation_id"], rec["status"], rec["table_number"],
                          rec["source"], rec["customer_count"], rec["customer_phone"][:0] +
                          rec["customer_phone"].replace(" ", "")))
        self.assertEqual("walk_in", pairs(r.call("RESV.HISTORY", S, rid)[0])["event"])
        self.assertIn(rid, self.held())
        self.assertEqual([e2, e3], [pairs(x)["entry"] for x in r.call("RESV.WAIT.LIST", S)])
        self.assertIsInstance(r.try_call("RESV.WAIT.SEAT", S, e1["entry"], "A1"), RespError)
        # V01 and V02 held all day: Ann waits for A1 after the walk-in's turn, Cy after Ann
        for rid, count, table in (("B1", "10", "V01"), ("B2", "6", "V02")):
            r.call("RESV.UPSERT", S, rid, "reservation_date", rec["reservation_date"],
                   "reservation_time", "00:00-24:00", "customer_count", count, "status",
                   "confirmed", "table_number", table)
        e4 = pairs(r.call("RESV.WAIT.ADD", S, "Cy", "1", "3"))["entry"]
        waits = {pairs(x)["entry"]: pairs(x)["estimated_wait_minutes"]
                 for x in r.call("RESV.WAIT.LIST", S)}
        self.assertEqual(-1, waits[e3])
        self.assertGreaterEqual(waits[e2], 80)  # Ann waits for A1's turn (90 minutes)
        self.assertLessEqual(waits[e2], 91)
        self.assertGreaterEqual(waits[e4], waits[e2] + 89)  # Cy after Ann
        self.assertEqual(1, r.call("RESV.WAIT.DEL", S, e4))
        self.assertEqual(0, r.call("RESV.WAIT.DEL", S, e4))
        self.assertIsInstance(r.try_call("RESV.WAIT.DEL", S, "nope"), RespError)
        self.assertIn("NOTFOUND", str(r.try_call("RESV.WAIT.SEAT", S, e4, "A1")))

    def test_http_waitlist(self):
        sc, fm = self.sc, self.sc.token("floor_manager")
        base = API + "/stores/%s/waitlist" % S
        st, _, body = sc.request("POST", base, {"name": "李四", "phone": "13900001111",
                                                "party": 2}, token=fm)
        self.assertEqual(201, st, body)
        self.assertEqual((S, "李四", 2), (body["store_id"], body["name"], body["party"]))
        entry = body["entry"]
        for bad, word in [({"name": "a", "phone": "1"}, "party"),
                          ({"name": "a", "phone": "1", "party": "2"}, "party"),
                          ({"phone": "1", "party": 2}, "name"),
                          ({"name": "a", "phone": "1", "party": 2, "vip": True}, "vip")]:
            st, _, body = sc.request("POST", base, bad, token=fm)
            self.assertEqual(400, st, bad)
            self.assertIn(word, body["error"]["message"], bad)
        st, _, _ = sc.request("POST", base, {"name": "a", "phone": "1", "party": 2},
                              token=sc.token("staff"))
        self.assertEqual(403, st)
        st, _, body = sc.request("GET", base, token=sc.token("staff"))
        self.assertEqual((200, 1), (st, body["count"]), body)
        self.assertEqual({"entry": entry, "name": "李四", "phone": "13900001111", "party": 2,
                          "added_at": body["waitlist"][0]["added_at"], "position": 1,
                          "estimated_wait_minutes": 0}, body["waitlist"][0])
        st, _, body = sc.request("POST", base + "/%s/seat?table_number=A1" % entry, token=fm)
        self.assertEqual(201, st, body)
        self.assertEqual(("seated", "A1", "walk_in"),
                         (body["status"], body["table_number"], body["source"]))
        st, _, body = sc.request("POST", base + "/%s/seat?table_number=A1" % entry, token=fm)
        self.assertEqual(404, st, body)
        st, _, body = sc.request("POST", base, {"name": "a", "phone": "1", "party": 2}, token=fm)
        st, _, body = sc.request("DELETE", base + "/" + body["entry"], token=fm)
        self.assertEqual((200, True), (st, body.get("deleted")), body)
        st, _, body = sc.request("DELETE", base + "/1-0", token=fm)
        self.assertEqual(404, st, body)
        st, _, body = sc.request("GET", base + "?store_id=x", token=fm)
        self.assertEqual(400, st, body)
        self.assertIn("unknown query parameter 'store_id'", body["error"]["message"])

    # HTTP

    def test_http_inventory(self):
        sc = self.sc
        path = API + "/stores/%s/tables/B1" % S
        st, _, body = sc.request("PUT", path, {"seats": 4, "area": "大厅", "joins": ["A1"]},
                                 token=self.admin)
        self.assertEqual(200, st, body)
        self.assertEqual({"store_id": S, "table_number": "B1", "seats": 4, "area": "大厅",
                          "joins": ["A1"]}, body)
        for bad, word in [({"seats": "4"}, "seats"), ({}, "seats"), ({"seats": 4, "x": 1}, "x"),
                          ({"seats": 4, "joins": "A1"}, "joins"),
                          ({"seats": 4, "joins": ["a b"]}, "joins[0]"),
                          ({"seats": 4, "area": 5}, "area")]:
            st, _, body = sc.request("PUT", path, bad, token=self.admin)
            self.assertEqual(400, st, bad)
            self.assertIn(word, body["error"]["message"], bad)
        st, _, _ = sc.request("PUT", path, {"seats": 4}, token=sc.token("floor_manager"))
        self.assertEqual(403, st)
        st, _, _ = sc.request("PUT", path, {"seats": 4}, token=sc.token("store_manager", ["x"]))
        self.assertEqual(403, st)
        self.book("R1", "18:00-20:00", 2, "B1")
        st, _, body = sc.request("GET", API + "/reservation/tables?store_id=" + S,
                                 token=sc.token("staff"))
        self.assertEqual(200, st, body)
        b1 = [t for t in body["tables"] if t["table_number"] == "B1"][0]
        self.assertEqual(4, b1["seats"])
        st, _, body = sc.request("DELETE", path, token=self.admin)
        self.assertEqual((200, True), (st, body.get("deleted")), body)
        self.assertNotIn("R1", self.held())
        st, _, body = sc.request("DELETE", path, token=self.admin)
        self.assertEqual(404, st, body)

    def test_http_availability(self):
        self.book("R1", "18:00-20:00", 10, "V01")
        sc, tok = self.sc, self.sc.token("staff")
        st, _, body = sc.request("GET", API + "/availability?store_id=%s&date=%s&party_size=12"
                                 % (S, DAY), token=tok)
        self.assertEqual(200, st, body)
        self.assertEqual((S, DAY, 12, 48), (body["store_id"], body["date"], body["party"],
                                            len(body["slots"])))
        at = {x["start"][11:16]: x for x in body["slots"]}
        self.assertEqual({"start": DAY + "T20:00:00", "covers": 0, "parties": 0, "tables": [],
                          "joined": ["V01+V02"]}, at["20:00"])
        self.assertEqual((10, 1, []), (at["18:00"]["covers"], at["18:00"]["parties"],
                                       at["18:00"]["joined"]))
        # with a pacing limit, bookable is a JSON boolean: 10 + 12 covers > 20
        self.r.call("RESV.STORE.SET", S, "max_covers_per_slot", "20")
        st, _, body = sc.request("GET", API + "/availability?store_id=%s&date=%s&party_size=12"
                                 % (S, DAY), token=tok)
        at = {x["start"][11:16]: x for x in body["slots"]}
        self.assertEqual((False, 10, True, 20), (at["18:00"]["bookable"], at["18:00"]["covers_left"],
                                                 at["20:00"]["bookable"], at["20:00"]["covers_left"]))
        self.r.call("RESV.STORE.SET", S, "max_covers_per_slot", "0")
        for q, word in [("date=%s" % DAY, "store_id"), ("store_id=%s" % S, "date"),
                        ("store_id=%s&date=2024-13-01" % S, "date"),
                        ("store_id=%s&date=%s&party_size=0" % (S, DAY), "party_size"),
                        ("store_id=%s&date=%s&size=2" % (S, DAY), "size")]:
            st, _, body = sc.request("GET", API + "/availability?" + q, token=tok)
            self.assertEqual(400, st, q)
            self.assertIn(word, body["error"]["message"], q)
        st, _, _ = sc.request("GET", API + "/availability?store_id=%s&date=%s" % (S, DAY),
                              token=sc.token("staff", ["other"]))
        self.assertEqual(403, st)

    def test_http_seat_conflict_and_race(self):
        """Seating two parties at one table at the same time over HTTP: one 200, one 409
        naming the holder."""
        for rid in ("H1", "H2"):
            self.r.call("RESV.UPSERT", S, rid, "reservation_date", DAY, "reservation_time",
                        "18:00-20:00", "customer_count", "2", "status", "confirmed")
        fm = self.sc.token("floor_manager")
        out = {}

        def seat(rid):
            out[rid] = self.sc.request(
                "PUT", API + "/reservation/%s/status?status=seated&table_number=A1" % rid,
                token=fm)

        ts = [threading.Thread(target=seat, args=(rid,)) for rid in ("H1", "H2")]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        codes = sorted(v[0] for v in out.values())
        self.assertEqual([200, 409], codes, out)
        loser = [v for v in out.values() if v[0] == 409][0]
        winner = [k for k, v in out.items() if v[0] == 200][0]
        self.assertIn("held by " + winner, loser[2]["error"]["message"])
        self.assertEqual("conflict", loser[2]["error"]["code"])


if __name__ == "__main__":
    unittest.main(verbosity=1)

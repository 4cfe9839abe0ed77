"""The floor's rules where a review of issue 12 found them wrong, against a real Redis
with the module (and the sidecar for the HTTP side): every table of a join tracked on
its own in the seated-table hash; a seated party holding its table past its window;
RESV.TABLE.DEL refusing a table that a live booking still holds; the overbooked flag
after a write that leaves the clash; joined table_numbers as long as the inventory
allows; RESV.TABLES with the hold now and the next one; the messages naming the table
at fault. The store's clock is resv.test-clock in the zone UTC."""
import calendar
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RespError, pairs  # noqa: E402
from sidecar_harness import API, StackTest  # noqa: E402

S = "store-r"
DAY = "2024-03-01"


def at(hhmm, day=DAY):
    """UTC seconds of the store's wall clock (the zone is UTC here)."""
    return calendar.timegm((int(day[:4]), int(day[5:7]), int(day[8:10]), int(hhmm[:2]),
                            int(hhmm[3:5]), 0))


class FloorRules(StackTest):

    def setUp(self):
        r = self.r
        r.call("FLUSHALL")
        r.call("CONFIG", "SET", "resv.default-timezone", "UTC")
        r.call("CONFIG", "SET", "resv.test-clock", str(at("17:00")))
        r.call("RESV.TABLE.SET", S, "T1", "SEATS", "4", "JOINS", "T2")
        r.call("RESV.TABLE.SET", S, "T2", "SEATS", "4")
        r.call("RESV.TABLE.SET", S, "T3", "SEATS", "2")

    def tearDown(self):
        self.r.call("CONFIG", "SET", "resv.test-clock", "0")

    def clock(self, hhmm):
        self.r.call("CONFIG", "SET", "resv.test-clock", str(at(hhmm)))

    def book(self, rid, slot, count, table, store=S, origin=None, status="confirmed"):
        cmd = ["RESV.UPSERT", store, rid] + (["ORIGIN", origin] if origin else [])
        cmd += ["reservation_date", DAY, "reservation_time", slot, "customer_count", str(count),
                "status", status] + (["table_number", table] if table else [])
        return self.r.try_call(*cmd)

    def seated(self, store=S):
        return pairs(self.r.call("HGETALL", "resv:{%s}:tables" % store))

    def rows(self, store=S):
        return {pairs(x)["table_number"]: pairs(x) for x in self.r.call("RESV.TABLES", store)}

    # 1. every table of a join is tracked on its own while seated

    def test_join_seated_per_table(self):
        r, plain = self.r, "plain"
        for rid in ("X", "Y", "Z"):
            self.assertEqual("created", self.book(rid, "18:00-20:00", 2, None, store=plain))
        r.call("RESV.STATUS", plain, "X", "seated", "TABLE", "A2")
        e = r.try_call("RESV.STATUS", plain, "Y", "seated", "TABLE", "A1+A2")
        self.assertIsInstance(e, RespError)
        self.assertEqual("CONFLICT table A2 is held by X", str(e))
        self.assertEqual({"A2": "X"}, self.seated(plain))
        r.call("RESV.STATUS", plain, "X", "completed")
        r.call("RESV.STATUS", plain, "Y", "seated", "TABLE", "A1+A2")
        self.assertEqual({"A1": "Y", "A2": "Y"}, self.seated(plain))
        rows = self.rows(plain)
        self.assertEqual(["A1", "A2"], sorted(rows))
        self.assertEqual(("Y", "Y"), (rows["A1"]["reservation_id"], rows["A2"]["reservation_id"]))
        e = r.try_call("RESV.STATUS", plain, "Z", "seated", "TABLE", "A1")
        self.assertEqual("CONFLICT table A1 is held by Y", str(e))
        # moved while seated: the tables it leaves are free, the one it keeps stays its
        self.assertEqual("updated", r.call("RESV.UPSERT", plain, "Y", "table_number", "A2+A3"))
        self.assertEqual({"A2": "Y", "A3": "Y"}, self.seated(plain))
        r.call("RESV.STATUS", plain, "Z", "seated", "TABLE", "A1")
        self.assertEqual(1, r.call("RESV.DEL", plain, "Y"))
        self.assertEqual({"A1": "Z"}, self.seated(plain))
        r.call("RESV.STATUS", plain, "Z", "completed")
        self.assertEqual({}, self.seated(plain))
        self.assertEqual(0, r.call("EXISTS", "resv:{%s}:tables" % plain))

    def test_join_seated_per_table_past_window(self):
        """With an inventory, X seated at T2 past its window holds T2 in the seated hash:
        seating another party at T1+T2 is refused naming X."""
        r = self.r
        self.assertEqual("created", self.book("X", "16:00-17:00", 2, "T2"))
        r.call("RESV.STATUS", S, "X", "seated")
        self.clock("18:00")
        self.assertEqual("created", self.book("Y", "18:00-20:00", 6, None))
        e = r.try_call("RESV.STATUS", S, "Y", "seated", "TABLE", "T1+T2")
        self.assertEqual("CONFLICT table T2 is held by X", str(e))
        self.assertEqual({"T2": "X"}, self.seated())

    # 2. a seated party holds its table until it leaves

    def slots(self, party):
        a = pairs(self.r.call("RESV.AVAILABILITY", S, DAY, "PARTY", str(party)))
        return {pairs(x)["start"][11:16]: pairs(x)["tables"].split(",") for x in a["slots"]}

    def test_seated_past_window_keeps_table(self):
        """20:15, P1 (18:00-20:00 at T1) still seated: its table is held a slot (30
        minutes) past now, moving with the clock, for the write check, availability and
        the waitlist's estimate alike; it is free again once P1 leaves."""
        r = self.r
        self.assertEqual("created", self.book("P1", "18:00-20:00", 4, "T1"))
        self.assertEqual("created", self.book("B2", "19:00-23:00", 4, "T2"))
        self.clock("18:05")
        r.call("RESV.STATUS", S, "P1", "seated")
        self.clock("20:15")
        e = self.book("N1", "20:30-21:30", 2, "T1")
        self.assertEqual("CONFLICT table T1 is held by P1 from 2024-03-01T18:00:00 to "
                         "2024-03-01T20:45:00", str(e))
        free = self.slots(4)
        self.assertNotIn("T1", free["20:00"])
        self.assertNotIn("T1", free["20:30"])
        self.assertIn("T1", free["21:00"])
        entry = pairs(r.call("RESV.WAIT.ADD", S, "Ann", "1", "4"))["entry"]
        wait = {pairs(x)["entry"]: pairs(x)["estimated_wait_minutes"]
                for x in r.call("RESV.WAIT.LIST", S)}
        self.assertEqual(30, wait[entry])
        self.clock("20:40")  # still there: the hold moves on with the clock
        self.assertIn("held by P1", str(self.book("N1", "21:00-22:00", 2, "T1")))
        r.call("RESV.STATUS", S, "P1", "completed")
        self.assertEqual("created", self.book("N1", "21:00-22:00", 2, "T1"))

    def test_seated_early_holds_from_now(self):
        """A party seated before its window holds its table from now on."""
        r = self.r
        self.assertEqual("created", self.book("P2", "21:00-22:00", 2, "T3"))
        self.clock("20:15")
        r.call("RESV.STATUS", S, "P2", "seated")
        e = self.book("N2", "20:00-21:00", 2, "T3")
        self.assertEqual("CONFLICT table T3 is held by P2 from 2024-03-01T20:15:00 to "
                         "2024-03-01T22:00:00", str(e))
        self.assertNotIn("T3", self.slots(2)["20:30"])

    # 3. a table still held is not deleted

    def held(self):
        return pairs(self.r.call("HGETALL", "resv:{%s}:held" % S))

    def test_table_del_refused_while_held(self):
        """RESV.TABLE.DEL of one table of L3's join T1+T2 dropped L3's whole hold, and T2
        could then be booked over it: a table that a live booking holds now or later is
        not deleted (409 over HTTP), the bookings are moved first; holds all in the past
        go with the table as before."""
        r = self.r
        self.assertEqual("created", self.book("L3", "19:00-21:00", 6, "T1+T2"))
        e = r.try_call("RESV.TABLE.DEL", S, "T1")
        self.assertEqual("CONFLICT table T1 is held by L3 from 2024-03-01T19:00:00 to "
                         "2024-03-01T21:00:00", str(e))
        self.assertIsNotNone(r.call("HGET", "resv:{%s}:floor" % S, "T1"))
        self.assertIn("L3", self.held())
        self.assertIn("held by L3", str(self.book("N3", "19:00-21:00", 4, "T2")))
        st, _, body = self.sc.request("DELETE", API + "/stores/%s/tables/T2" % S,
                                      token=self.sc.token("admin"))
        self.assertEqual((409, "conflict"), (st, body["error"]["code"]), body)
        self.assertIn("held by L3", body["error"]["message"])
        # a seated party holds its table even with no hold over time
        self.assertEqual("created", self.book("W", "17:00", 2, None))
        r.call("RESV.STATUS", S, "W", "seated", "TABLE", "T3")
        self.assertIn("held by W", str(r.try_call("RESV.TABLE.DEL", S, "T3")))
        r.call("RESV.STATUS", S, "W", "completed")
        # over: the past hold of a live booking goes with the table, whole
        self.clock("21:00")
        self.assertEqual(1, r.call("RESV.TABLE.DEL", S, "T1"))
        self.assertNotIn("L3", self.held())
        self.assertEqual([], r.call("KEYS", "resv:{%s}:hold:*" % S))

    # 4. the overbooked flag says the truth after every write

    def flag(self, rid):
        return pairs(self.r.call("RESV.GET", S, rid)).get("overbooked")

    def test_overbooked_stays_while_clash_stays(self):
        """Y-78 from the provider clashes with R-102 on T2: a change of its party, by
        the provider or by our API, leaves the clash and so the flag (the clash is not
        this write's, so our API is not refused for it); a move to a free table clears
        it."""
        r = self.r
        self.assertEqual("created", self.book("R-102", "19:00-21:00", 4, "T2"))
        self.assertEqual("created", self.book("Y-78", "19:30-21:00", 2, "T2", origin="webhook"))
        self.assertEqual("true", self.flag("Y-78"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "Y-78", "ORIGIN", "webhook",
                                           "customer_count", "3"))
        self.assertEqual("true", self.flag("Y-78"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "Y-78", "customer_count", "4"))
        self.assertEqual("true", self.flag("Y-78"))
        self.assertIn("over the 4 seats", str(r.try_call("RESV.UPSERT", S, "Y-78",
                                                          "customer_count", "5")))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "Y-78", "table_number", "T1"))
        self.assertIsNone(self.flag("Y-78"))

    def test_overbooked_stays_while_over_pace(self):
        """P2 from the provider is over the slot's pacing; giving it a table leaves its
        slot as full, and the flag; moving it to a slot with room clears it."""
        r = self.r
        r.call("RESV.STORE.SET", S, "max_parties_per_slot", "1")
        self.assertEqual("created", self.book("P1", "18:00", 2, "T1"))
        self.assertEqual("created", self.book("P2", "18:00", 2, None, origin="webhook"))
        self.assertEqual("true", self.flag("P2"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "P2", "table_number", "T3"))
        self.assertEqual("true", self.flag("P2"))
        self.assertEqual("updated", r.call("RESV.UPSERT", S, "P2", "reservation_time", "18:30"))
        self.assertIsNone(self.flag("P2"))

    # 5. a join as long as the inventory allows can be booked

    def test_long_joins_bookable(self):
        """Table ids are up to 32 bytes and a join up to 8 of them: the joins that
        availability offers are accepted as a table_number (it was 32 characters in
        all), over RESP and over HTTP."""
        r, north, south = self.r, "PRIVATE-ROOM-NORTH", "PRIVATE-ROOM-SOUTH"
        r.call("RESV.TABLE.SET", S, north, "SEATS", "10", "JOINS", south)
        r.call("RESV.TABLE.SET", S, south, "SEATS", "10")
        offered = pairs([x for x in pairs(r.call("RESV.AVAILABILITY", S, DAY, "PARTY", "16"))
                         ["slots"] if pairs(x)["start"].endswith("19:00:00")][0])["joined"]
        self.assertEqual(north + "+" + south, offered)
        self.assertEqual("created", self.book("J1", "19:00-21:00", 16, offered))
        self.assertEqual(offered, self.held()["J1"].split("|")[2])
        names = ["%d" % i + "y" * 31 for i in range(8)]  # 8 tables of 32 bytes
        r.call("RESV.TABLE.SET", S, names[0], "SEATS", "2", "JOINS", ",".join(names[1:]))
        for n in names[1:]:
            r.call("RESV.TABLE.SET", S, n, "SEATS", "2")
        longest = "+".join(names)
        self.assertEqual(263, len(longest))
        self.assertEqual("created", self.book("J2", "12:00-13:00", 16, longest))
        self.assertEqual(longest, self.held()["J2"].split("|")[2])
        for bad in ("+".join(names + ["T1"]), "z" * 33, "T1+" + "z" * 33):
            e = self.book("J3", "12:00", 2, bad)
            self.assertIsInstance(e, RespError, bad)
            self.assertTrue(str(e).startswith("ERR invalid table_number: must be 1 to 8"), e)
        self.assertEqual("created", self.book("J4", "12:00", 2, "桌" * 32, store="plain"))
        # over HTTP: seated at the longest join, and the reply is the documented one
        r.call("RESV.STATUS", S, "J2", "arrived")
        st, _, body = self.sc.request(
            "PUT", API + "/reservation/J2/status?status=seated&table_number=" +
            longest.replace("+", "%2B"),
            token=self.sc.token("floor_manager"))
        self.assertEqual((200, longest), (st, body.get("table_number")), body)
        self.assertEqual({n: "J2" for n in names},
                         {t: v for t, v in self.seated().items() if t in names})

    # 6. RESV.TABLES: the seated party, the hold now and the next one

    def test_tables_now_and_next(self):
        """Each table shows its seated party, the hold covering now when it is not that
        party's, and the first hold starting after now, under names of their own; a
        seated walk-in shows once."""
        r = self.r
        for rid, slot in (("B1", "16:30-18:00"), ("B2", "19:00-20:00"), ("B3", "21:00-22:00")):
            self.assertEqual("created", self.book(rid, slot, 2, "T1"))
        self.assertEqual("created", self.book("B4", "21:00-22:00", 2, "T3"))
        rows = self.rows()
        self.assertEqual({"table_number": "T1", "seats": 4, "joins": "T2",
                          "now_reservation_id": "B1", "now_start": DAY + "T16:30:00",
                          "now_end": DAY + "T18:00:00", "next_reservation_id": "B2",
                          "next_start": DAY + "T19:00:00", "next_end": DAY + "T20:00:00"},
                         rows["T1"])
        self.assertEqual({"table_number": "T2", "seats": 4}, rows["T2"])
        r.call("RESV.STATUS", S, "B1", "seated")
        t1 = self.rows()["T1"]
        self.assertEqual(("B1", "seated", "B2"),
                         (t1["reservation_id"], t1["status"], t1["next_reservation_id"]))
        self.assertNotIn("now_reservation_id", t1)
        entry = pairs(r.call("RESV.WAIT.ADD", S, "Ann", "1", "2"))["entry"]
        r.call("RESV.WAIT.SEAT", S, entry, "T3")
        t3 = self.rows()["T3"]
        self.assertEqual({"table_number": "T3", "seats": 2, "reservation_id": "walkin-" + entry,
                          "customer_name": "Ann", "customer_count": "2", "status": "seated",
                          "next_reservation_id": "B4", "next_start": DAY + "T21:00:00",
                          "next_end": DAY + "T22:00:00"}, t3)
        st, _, body = self.sc.request("GET", API + "/reservation/tables?store_id=" + S,
                                      token=self.sc.token("staff"))
        self.assertEqual(200, st, body)
        t1 = [t for t in body["tables"] if t["table_number"] == "T1"][0]
        self.assertEqual(("B1", "B2", DAY + "T19:00:00"),
                         (t1["reservation_id"], t1["next_reservation_id"], t1["next_start"]))

    # 7. messages name the table at fault

    def test_messages_name_the_table(self):
        r = self.r
        e = self.book("M1", "18:00", 2, "T1+T9")
        self.assertEqual("ERR invalid table_number: T9 is not in the store's table inventory",
                         str(e))
        e = r.try_call("RESV.TABLE.SET", S, "T1", "SEATS", "2", "JOINS", "T2,T1")
        self.assertEqual("ERR invalid JOINS: a table cannot join itself (T1)", str(e))
        self.assertEqual("4|T2|", r.call("HGET", "resv:{%s}:floor" % S, "T1"))  # unchanged
        st, _, body = self.sc.request("PUT", API + "/stores/%s/tables/T1" % S,
                                      {"seats": 2, "joins": ["T1"]}, token=self.sc.token("admin"))
        self.assertEqual(400, st, body)
        self.assertIn("cannot join itself", body["error"]["message"])


if __name__ == "__main__":
    unittest.main(verbosity=1)

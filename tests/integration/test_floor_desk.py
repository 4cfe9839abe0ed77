"""The front desk's own bookings (issue 12, pacing) against a real Redis with the module
and a real sidecar: POST /stores/{store_id}/reservations (a phone booking taken at the
desk) and PATCH /reservation/{id} (moved to another time or table). Strict input as the
sync route's, a create that never overwrites, the floor's refusals as HTTP errors (409
capacity with its numbers, 409 held naming the holder, 400 over the seats or unknown
table), "force" for admin and store_manager only, a provider's booking whose date, time
and party stay the provider's, no push for a booking of our own, and the race of two
creates holding one table (one 201, one 409)."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import pairs  # noqa: E402
from sidecar_harness import API, StackTest  # noqa: E402

S = "store-d"
DAY = "2024-03-01"
CREATE = API + "/stores/%s/reservations" % S


class FrontDesk(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fm = cls.sc.token("floor_manager", sub="前台小李")
        cls.sm = cls.sc.token("store_manager", [S], sub="店长")

    def setUp(self):
        r = self.r
        r.call("FLUSHALL")
        r.call("RESV.TABLE.SET", S, "V01", "SEATS", "10", "JOINS", "V02")
        r.call("RESV.TABLE.SET", S, "V02", "SEATS", "6")
        r.call("RESV.TABLE.SET", S, "A1", "SEATS", "4")

    def create(self, body, token=None):
        return self.sc.request("POST", CREATE, body, token=token or self.fm)

    def patch(self, rid, body, token=None):
        return self.sc.request("PATCH", API + "/reservation/" + rid, body, token=token or self.fm)

    def booking(self, rid, slot, count, table=None, **more):
        body = {"reservation_id": rid, "reservation_date": DAY, "reservation_time": slot,
                "customer_count": count, "status": "confirmed"}
        if table:
            body["table_number"] = table
        body.update(more)
        return body

    def get(self, rid):
        rec = self.r.call("RESV.GET", S, rid)
        return pairs(rec) if rec else None

    def test_create(self):
        sc = self.sc
        st, _, body = self.create(self.booking("D1", "18:00-20:00", 4, "A1", customer_name="张三",
                                               customer_phone="138 0013 5678", notes="电话预订"))
        self.assertEqual(201, st, body)
        self.assertEqual(("D1", S, "confirmed", "A1", 4, "张三", None, None),
                         (body["reservation_id"], body["store_id"], body["status"],
                          body["table_number"], body["customer_count"], body["customer_name"],
                          body["system_id"], body["sync_status"]))
        st, _, got = sc.request("GET", API + "/reservation/D1", token=sc.token("staff"))
        self.assertEqual((200, body), (st, got))  # the same shape as GET
        h = [pairs(x) for x in self.r.call("RESV.HISTORY", S, "D1")]
        self.assertEqual([("api", "前台小李", "created")],
                         [(x["origin"], x["actor"], x["event"]) for x in h])
        self.assertIn("D1", pairs(self.r.call("HGETALL", "resv:{%s}:held" % S)))
        # without a reservation_id the sidecar makes one: desk-<uuid>
        st, _, body = self.create({"reservation_date": DAY, "customer_count": 2},
                                  token=self.sm)
        self.assertEqual(201, st, body)
        self.assertRegex(body["reservation_id"],
                         r"^desk-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(("pending", "店长"),
                         (body["status"],
                          pairs(self.r.call("RESV.HISTORY", S, body["reservation_id"])[0])["actor"]))

    def test_create_input_is_strict(self):
        """The sync route's checks, plus what a booking of our own cannot have; each is a
        400 naming the field, and nothing is written."""
        good = self.booking("B1", "18:00", 2)
        for extra, word in [({"vip": True}, "vip"), ({"customer_count": "2"}, "customer_count"),
                            ({"reservation_id": 7}, "reservation_id"),
                            ({"system_id": "sys-1"}, "system_id"),
                            ({"updated_at": DAY + "T10:00:00"}, "updated_at"),
                            ({"sync_status": "success"}, "sync_status"), ({"id": "x"}, "id"),
                            ({"created_at": DAY + "T10:00:00"}, "created_at"),
                            ({"force": "yes"}, "force"), ({"force": 0}, "force"),
                            ({"customer_phone": "abc"}, "customer_phone"),
                            ({"reservation_id": "a b"}, "reservation_id"),
                            ({"reservation_date": None}, "reservation_date"),
                            ({"table_number": "Z9"}, "table_number"),
                            ({"customer_count": 12, "table_number": "V01"}, "customer_count")]:
            body = dict(good, **extra)
            st, _, out = self.create(body)
            self.assertEqual(400, st, (extra, out))
            self.assertIn(word, out["error"]["message"], extra)
            self.assertEqual([], self.r.call("KEYS", "resv:{%s}:r:*" % S), extra)
        st, _, out = self.create([good])
        self.assertEqual(400, st)
        for tok in (self.sc.token("staff"), self.sc.token("floor_manager", ["other"])):
            st, _, out = self.create(good, token=tok)
            self.assertEqual(403, st, out)
        self.assertIsNone(self.get("B1"))
        st, _, out = self.create(dict(good, force=None), token=self.sc.token("customer_manager"))
        self.assertEqual(201, st, out)

    def test_create_never_overwrites(self):
        st, _, body = self.create(self.booking("D2", "18:00", 2, notes="first"))
        self.assertEqual(201, st, body)
        st, _, body = self.create(self.booking("D2", "19:00", 3, notes="second"))
        self.assertEqual((409, "conflict"), (st, body["error"]["code"]), body)
        self.assertIn("D2 already exists", body["error"]["message"])
        self.assertEqual(("first", "2"), (self.get("D2")["notes"], self.get("D2")["customer_count"]))
        # nor takes an id of another store
        self.r.call("RESV.UPSERT", "store-x", "X1", "reservation_date", DAY)
        st, _, body = self.create(self.booking("X1", "18:00", 2))
        self.assertEqual(409, st, body)
        self.assertIsNone(self.get("X1"))

    def test_other_store_named_only_to_its_callers(self):
        """An id of another store is 409 conflict to everyone; the other store is named
        only to a token allowed on it (all stores, or both): to one of this store only,
        the id is taken, whether at the desk or by a sync."""
        sc = self.sc
        self.r.call("RESV.UPSERT", "peak", "PK-2", "reservation_date", DAY)
        named = "reservation_id PK-2 belongs to store peak"
        hidden = "reservation_id PK-2 is taken by another store"
        for token, msg in ((sc.token("floor_manager", [S]), hidden), (self.sm, hidden),
                           (sc.token("floor_manager", [S, "peak"]), named), (self.fm, named),
                           (sc.token("admin"), named)):
            st, _, body = self.create(self.booking("PK-2", "18:00", 2), token=token)
            self.assertEqual((409, "conflict", msg),
                             (st, body["error"]["code"], body["error"]["message"]), body)
        self.assertIsNone(self.get("PK-2"))
        st, _, system = sc.request("POST", API + "/systems", {
            "name": "易订", "type": "reservation", "provider": "Yiding", "store_id": S,
            "config": {"api_endpoint": "http://127.0.0.1:9/x", "api_key": "k"}}, token=self.sm)
        self.assertEqual(201, st, system)
        sync = API + "/reservation/%s/sync" % system["id"]
        item = {"reservation_id": "PK-2", "reservation_date": DAY}
        st, _, body = sc.request("POST", sync, item, token=self.sm)
        self.assertEqual((409, hidden), (st, body["error"]["message"]), body)
        st, _, body = sc.request("POST", sync, {"reservations": [item]}, token=self.sm)
        self.assertNotIn("peak", str(body), body)
        self.assertIn(hidden, str(body), body)
        st, _, body = sc.request("POST", sync, item, token=sc.token("admin"))
        self.assertEqual((409, named), (st, body["error"]["message"]), body)

    def test_pacing_and_force(self):
        r = self.r
        r.call("RESV.STORE.SET", S, "max_covers_per_slot", "10", "max_parties_per_slot", "3")
        for rid, count in (("P1", 4), ("P2", 4)):
            st, _, body = self.create(self.booking(rid, "18:00", count))
            self.assertEqual(201, st, body)
        st, _, body = self.create(self.booking("P3", "18:10", 3))
        self.assertEqual(409, st, body)
        self.assertEqual({"code": "capacity",
                          "message": "capacity: covers 11/10 parties 3/3 in the slot",
                          "covers": {"booked": 11, "limit": 10},
                          "parties": {"booked": 3, "limit": 3}}, body["error"])
        self.assertIsNone(self.get("P3"))
        # force: not for a floor manager (nothing written), yes for the store manager
        st, _, body = self.create(dict(self.booking("P3", "18:10", 3), force=True))
        self.assertEqual((403, "forbidden"), (st, body["error"]["code"]), body)
        self.assertIn("force", body["error"]["message"])
        self.assertIsNone(self.get("P3"))
        st, _, body = self.create(dict(self.booking("P3", "18:10", 3), force=False))
        self.assertEqual(409, st, body)
        st, _, body = self.create(dict(self.booking("P3", "18:10", 3), force=True), token=self.sm)
        self.assertEqual(201, st, body)
        self.assertIs(True, body["overbooked"])  # stored over the limit, and says so
        feed = [pairs(f) for _, f in r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        self.assertIn(("P3", "overbooked"), [(f["reservation_id"], f["event"]) for f in feed])
        self.assertEqual("店长", pairs(r.call("RESV.HISTORY", S, "P3")[0])["actor"])
        # the covers limit alone: parties' limit null
        r.call("RESV.STORE.SET", S, "max_parties_per_slot", "0")
        st, _, body = self.create(self.booking("P4", "18:20", 1))
        self.assertEqual(409, st, body)
        self.assertEqual(({"booked": 12, "limit": 10}, {"booked": 4, "limit": None}),
                         (body["error"]["covers"], body["error"]["parties"]))
        # moving a booking into the full slot: 409, unchanged; forced by a manager: moved
        st, _, body = self.create(self.booking("P5", "20:00", 2))
        self.assertEqual(201, st, body)
        st, _, body = self.patch("P5", {"reservation_time": "18:00"})
        self.assertEqual((409, "capacity"), (st, body["error"]["code"]), body)
        self.assertEqual({"booked": 13, "limit": 10}, body["error"]["covers"])
        self.assertEqual("20:00", self.get("P5")["reservation_time"])
        st, _, body = self.patch("P5", {"reservation_time": "18:00", "force": True})
        self.assertEqual(403, st, body)
        self.assertEqual("20:00", self.get("P5")["reservation_time"])
        st, _, body = self.patch("P5", {"reservation_time": "18:00", "force": True},
                                 token=self.sm)
        self.assertEqual(200, st, body)
        self.assertEqual(("18:00", True), (body["reservation_time"], body["overbooked"]))

    def test_patch_tables(self):
        st, _, body = self.create(self.booking("T1", "18:00-20:00", 8, "V01"))
        self.assertEqual(201, st, body)
        st, _, body = self.create(self.booking("T2", "19:00-21:00", 4, "A1"))
        self.assertEqual(201, st, body)
        # a table held by another over the window: 409 naming the holder, nothing changed
        st, _, body = self.patch("T2", {"table_number": "V01"})
        self.assertEqual((409, "conflict"), (st, body["error"]["code"]), body)
        self.assertIn("table V01 is held by T1", body["error"]["message"])
        self.assertEqual("A1", self.get("T2")["table_number"])
        # over the seats, not in the inventory, tables that do not join: 400
        for change, word in [({"customer_count": 5}, "customer_count"),
                             ({"table_number": "Z9"}, "table_number"),
                             ({"table_number": "A1+V02"}, "table_number")]:
            st, _, body = self.patch("T2", change)
            self.assertEqual(400, st, (change, body))
            self.assertIn(word, body["error"]["message"], change)
        # moved to a later time the table is free: taken; details changed
        st, _, body = self.patch("T2", {"reservation_time": "20:00-22:00", "table_number": "V01",
                                        "notes": "改到八点", "customer_count": None})
        self.assertEqual(200, st, body)
        self.assertEqual(("20:00-22:00", "V01", "改到八点", 4),
                         (body["reservation_time"], body["table_number"], body["notes"],
                          body["customer_count"]))
        h = pairs(self.r.call("RESV.HISTORY", S, "T2")[-1])
        self.assertEqual(("api", "前台小李", "updated"), (h["origin"], h["actor"], h["event"]))
        # the same values again: 200, unchanged
        st, _, again = self.patch("T2", {"notes": "改到八点"})
        self.assertEqual((200, body["updated_at"]), (st, again["updated_at"]))
        # input: strict, and a change of something
        for change, word, code in [({"status": "seated"}, "status", 400),
                                   ({"system_id": "s"}, "system_id", 400),
                                   ({"customer_count": "4"}, "customer_count", 400),
                                   ({}, "nothing", 400), ({"notes": None}, "nothing", 400),
                                   ({"force": 1}, "force", 400)]:
            st, _, body = self.patch("T2", change)
            self.assertEqual(code, st, (change, body))
            self.assertIn(word, body["error"]["message"], change)
        st, _, body = self.patch("nope", {"notes": "x"})
        self.assertEqual(404, st, body)
        self.assertIsNone(self.get("nope"))
        st, _, body = self.patch("T2", {"notes": "x"}, token=self.sc.token("staff"))
        self.assertEqual(403, st, body)
        st, _, body = self.patch("T2", {"notes": "x"},
                                 token=self.sc.token("customer_manager", ["other"]))
        self.assertEqual(403, st, body)

    def test_patch_provider_booking(self):
        """Yiding is authoritative for what the guest booked there (its next update
        would overwrite a local move, and the push carries statuses only): its date,
        time, party and guest details are 409 naming the field; the table, area, table
        type and notes are the floor's."""
        self.r.call("RESV.UPSERT", S, "Y1", "ORIGIN", "sync", "system_id", "sys-1",
                    "reservation_date", DAY, "reservation_time", "18:00-20:00",
                    "customer_count", "4", "customer_name", "王五", "status", "confirmed")
        for change in ({"reservation_date": "2024-03-02"}, {"reservation_time": "19:00"},
                       {"customer_count": 5}, {"customer_name": "王六"},
                       {"customer_phone": "1"}, {"special_requirements": "x"},
                       {"reservation_date": "2024-03-02", "table_number": "A1"}):
            name = [k for k in change if k != "table_number"][0]
            st, _, body = self.patch("Y1", change)
            self.assertEqual(409, st, (change, body))
            self.assertTrue(body["error"]["message"].startswith(
                "%s of reservation Y1 is the provider's (system sys-1)" % name), body)
        self.assertIsNone(self.get("Y1").get("table_number"))
        st, _, body = self.patch("Y1", {"reservation_date": "2024-03-0x"})
        self.assertEqual(400, st, body)
        self.assertIn("reservation_date", body["error"]["message"])
        # the same values (a form sent whole) and the floor's fields: changed
        st, _, body = self.patch("Y1", {"reservation_date": DAY, "reservation_time": "18:00-20:00",
                                        "customer_count": 4, "customer_name": "王五",
                                        "table_number": "A1", "area": "大厅", "notes": "VIP"})
        self.assertEqual(200, st, body)
        self.assertEqual(("A1", "大厅", "VIP", "sys-1"),
                         (body["table_number"], body["area"], body["notes"], body["system_id"]))
        # its status change goes to the provider; a desk booking's does not
        st, _, body = self.create(self.booking("D9", "12:00", 2))
        self.assertEqual(201, st, body)
        for rid in ("D9", "Y1"):
            st, _, body = self.sc.request("PUT", API + "/reservation/%s/status?status=arrived"
                                          % rid, token=self.fm)
            self.assertEqual(200, st, body)
        self.assertEqual(["Y1"], [pairs(f)["reservation_id"]
                                  for _, f in self.r.call("RESV.OUTBOX", S, "COUNT", "100")])
        self.assertIsNone(self.get("D9").get("sync_status"))
        self.r.call("RESV.SYSTEM.CREATE", "id", "sys-1", "store_id", S)
        st, _, body = self.sc.request("POST", API + "/reservation/sys-1/resync",
                                      {"reservation_id": "D9"}, token=self.sm)
        self.assertEqual(409, st, body)
        self.assertIn("no system_id", body["error"]["message"])

    def race(self, *bodies):
        """The bodies created at the same moment, from threads; their replies in order."""
        out = [None] * len(bodies)

        def book(i):
            out[i] = self.create(bodies[i])

        ts = [threading.Thread(target=book, args=(i,)) for i in range(len(bodies))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return out

    def test_race_for_one_table(self):
        """Two bookings taking table V01 over the same evening at the same moment: one
        201, one 409 naming the winner."""
        out = self.race(self.booking("R1", "18:00-20:00", 6, "V01"),
                        self.booking("R2", "19:00-21:00", 6, "V01"))
        self.assertEqual([201, 409], sorted(x[0] for x in out), out)
        winner = [x[2]["reservation_id"] for x in out if x[0] == 201][0]
        loser = [x[2] for x in out if x[0] == 409][0]
        self.assertIn("table V01 is held by " + winner, loser["error"]["message"])
        self.assertEqual([winner], self.r.call("HKEYS", "resv:{%s}:held" % S))

    def test_race_for_one_id(self):
        out = self.race(self.booking("R3", "18:00", 2, notes="a"),
                        self.booking("R3", "18:00", 2, notes="b"))
        self.assertEqual([201, 409], sorted(x[0] for x in out), out)
        won = [x[2]["notes"] for x in out if x[0] == 201][0]
        self.assertEqual(won, self.get("R3")["notes"])
        self.assertEqual(1, len(self.r.call("RESV.HISTORY", S, "R3")))


if __name__ == "__main__":
    unittest.main(verbosity=1)

"""The floor over HTTP (issue 12) against a real Redis with the module and a real sidecar:
a table's body fields named as sent (area, joins: never the module's AREA, JOINS), joins
as the array PUT takes, in PUT's reply and in GET /reservation/tables; the provider's
bookings over the slot's pacing (webhook, sync) stored with "overbooked": true, shown by
GET, and sent on /events as an overbooked event."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sidecar_harness import API, SseReader, StackTest  # noqa: E402

S = "store-fh"
DAY = "2030-03-01"


class FloorHttp(StackTest):
    SIDECAR_ARGS = ["--sse-poll-ms", "50"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.sc.token("admin")

    def setUp(self):
        self.r.call("FLUSHALL")

    def put_table(self, table, body):
        return self.sc.request("PUT", API + "/stores/%s/tables/%s" % (S, table), body,
                               token=self.admin)

    def test_table_refusals_name_the_body_fields(self):
        """The module refuses AREA and JOINS it is given; the HTTP caller wrote area and
        joins, and nothing is written."""
        for body, field in (({"seats": 4, "area": "区" * 65}, "area"),
                            ({"seats": 4, "joins": ["B1"]}, "joins"),
                            ({"seats": 4, "joins": ["A1", "A1"]}, "joins")):
            st, _, got = self.put_table("B1", body)
            self.assertEqual(400, st, (body, got))
            msg = got["error"]["message"]
            self.assertTrue(msg.startswith("invalid %s: " % field), (body, msg))
            self.assertNotIn(field.upper(), msg, body)
        self.assertEqual(0, self.r.call("EXISTS", "resv:{%s}:floor" % S))

    def test_refusals_tell_given_from_missing(self):
        """seats and date given with a wrong value are invalid, not required; left out,
        they are required; nothing is written."""
        for body, msg in (({"seats": 0}, "invalid seats: must be an integer from 1 to 999"),
                          ({"seats": "4"}, "invalid seats: must be an integer from 1 to 999"),
                          ({"area": "x"}, "seats is required: an integer from 1 to 999")):
            st, _, got = self.put_table("B1", body)
            self.assertEqual((400, msg), (st, got["error"]["message"]), body)
        self.assertEqual(0, self.r.call("EXISTS", "resv:{%s}:floor" % S))
        avail = API + "/availability?store_id=" + S
        for query, msg in (("&date=1969-12-31", "invalid date: must be YYYY-MM-DD"),
                           ("&date=2030-03-01T19:00:00", "invalid date: must be YYYY-MM-DD"),
                           ("", "date is required: YYYY-MM-DD")):
            st, _, got = self.sc.request("GET", avail + query, token=self.admin)
            self.assertEqual((400, msg), (st, got["error"]["message"]), query)
        lst = API + "/reservation/list?store_id=" + S
        for query, msg in (("&date_from=1969-12-31", "invalid date_from: must be YYYY-MM-DD "
                            "or YYYY-MM-DDTHH:MM:SS"),
                           ("&date_to=x", "invalid date_to: must be YYYY-MM-DD or "
                            "YYYY-MM-DDTHH:MM:SS")):
            st, _, got = self.sc.request("GET", lst + query, token=self.admin)
            self.assertEqual((400, msg), (st, got["error"]["message"]), query)
        st, _, got = self.sc.request("GET", API + "/reservation/stats?store_id=" + S,
                                     token=self.admin)
        self.assertEqual((400, "date_from is required: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"),
                         (st, got["error"]["message"]))

    def test_table_delete_refuses_a_body(self):
        """DELETE .../tables/{t} takes no body: a member is a 400 naming it and the table
        stays; an empty object or none deletes it."""
        self.assertEqual(200, self.put_table("B1", {"seats": 4})[0])
        url = API + "/stores/%s/tables/B1" % S
        st, _, got = self.sc.request("DELETE", url, {"a": 1}, token=self.admin)
        self.assertEqual((400, "unknown field a: deleting a table takes no body"),
                         (st, got["error"]["message"]))
        st, _, got = self.sc.request("DELETE", url, "{", token=self.admin)
        self.assertEqual(400, st, got)
        self.assertEqual(1, self.r.call("HEXISTS", "resv:{%s}:floor" % S, "B1"))
        st, _, got = self.sc.request("DELETE", url, {}, token=self.admin)
        self.assertEqual((200, True), (st, got.get("deleted")), got)

    def test_joins_is_an_array_both_ways(self):
        st, _, got = self.put_table("B1", {"seats": 4, "area": "大厅", "joins": ["A1", "V02"]})
        self.assertEqual(200, st, got)
        self.assertEqual({"store_id": S, "table_number": "B1", "seats": 4, "area": "大厅",
                          "joins": ["A1", "V02"]}, got)
        st, _, got = self.put_table("A1", {"seats": 2})
        self.assertEqual((200, None), (st, got.get("joins")), got)
        st, _, got = self.sc.request("GET", API + "/reservation/tables?store_id=" + S,
                                     token=self.sc.token("staff"))
        self.assertEqual(200, st, got)
        rows = {t["table_number"]: t for t in got["tables"]}
        self.assertEqual(["A1", "V02"], rows["B1"]["joins"])
        self.assertNotIn("joins", rows["A1"])
        self.assertEqual((S, 2), (got["store_id"], got["count"]))


    def test_provider_over_pacing_flagged_and_sent(self):
        """A webhook's and a sync's booking over max_parties_per_slot are stored (the
        guest has them), "overbooked": true in their replies and GET, and /events sends
        each one's overbooked event after its created."""
        sc, r = self.sc, self.r
        r.call("RESV.STORE.SET", S, "max_parties_per_slot", "1", "max_covers_per_slot", "6")
        st, _, system = sc.request("POST", API + "/systems", {
            "name": "易订", "type": "reservation", "provider": "Yiding", "store_id": S,
            "config": {"api_endpoint": "http://127.0.0.1:9/x", "api_key": "k",
                       "webhook_signature": "none"}}, token=self.admin)
        self.assertEqual(201, st, system)
        sse = SseReader(sc.port, API + "/events?store_id=" + S, sc.token("staff", [S]))
        try:
            self.assertEqual(200, sse.status)
            booking = {"reservation_date": DAY, "reservation_time": "19:00-21:00",
                       "customer_count": 4, "status": "confirmed"}
            st, _, got = sc.request("POST", API + "/reservation/%s/sync" % system["id"],
                                    dict(booking, reservation_id="FH-1"), token=self.admin)
            self.assertEqual((201, None), (st, got["reservation"]["overbooked"]), got)
            st, _, got = sc.request("POST", API + "/reservation/%s/sync" % system["id"],
                                    dict(booking, reservation_id="FH-2"), token=self.admin)
            self.assertEqual((201, True), (st, got["reservation"]["overbooked"]), got)
            st, _, got = sc.request("POST", API + "/webhooks/reservation/" + system["id"], {
                "event": "reservation.created",
                "data": dict(booking, reservation_id="FH-3", reservation_time="19:15")})
            self.assertEqual(200, st, got)
            for rid, flag in (("FH-1", None), ("FH-2", True), ("FH-3", True)):
                st, _, got = sc.request("GET", API + "/reservation/" + rid, token=self.admin)
                self.assertEqual((200, flag), (st, got["overbooked"]), rid)
            evs = [sse.next_event() for _ in range(5)]
        finally:
            sse.close()
        self.assertEqual([("created", "FH-1"), ("created", "FH-2"), ("overbooked", "FH-2"),
                          ("created", "FH-3"), ("overbooked", "FH-3")],
                         [(e["event"], e["data"]["reservation_id"]) for e in evs])
        self.assertEqual(S, evs[2]["data"]["store_id"])
        # why: FH-2 the second party of a slot paced at one
        self.assertEqual("capacity: covers 8/6 parties 2/1 in the slot", evs[2]["data"]["reason"])


if __name__ == "__main__":
    unittest.main(verbosity=1)

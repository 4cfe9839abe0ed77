"""The floor over HTTP (issue 12) against a real Redis with the module and a real sidecar:
a table's body fields named as sent (area, joins: never the module's AREA, JOINS), joins
as the array PUT takes, in PUT's reply and in GET /reservation/tables."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

S = "store-fh"
DAY = "2030-03-01"


class FloorHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port)
        cls.admin = cls.sc.token("admin")

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())

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


if __name__ == "__main__":
    unittest.main(verbosity=1)

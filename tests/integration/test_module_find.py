"""RESV.FIND against a real redis-server: the tiers in their order of preference (id,
reservation number and external id exactly; phone digits; a part of the name), which
field matched, the order by start instant then id, the window (the store's today and
the next 7 days for a name, none for ids and phones unless FROM/TO are given), LIMIT,
the lookup index kept on every write path, errors that change nothing, RESP3."""
import datetime
import os
import sys
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RedisTestCase, RespError, pairs  # noqa: E402

S = "store-001"
LOOKUP = "resv:{%s}:lookup" % S


def day(offset):
    """The store's today (its zone: the module's default, Asia/Shanghai) plus offset days."""
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    return (today + datetime.timedelta(days=offset)).isoformat()


class ModuleFind(RedisTestCase):
    def up(self, rid, *args, store=S):
        return self.r.call("RESV.UPSERT", store, rid, *args)

    def find(self, *args, store=S):
        """[(reservation_id, matched)] and the total."""
        total, items = self.r.call("RESV.FIND", store, "QUERY", *args)
        return [(pairs(rec)["reservation_id"], m) for m, rec in items], total

    def ids(self, *args, store=S):
        return [rid for rid, _ in self.find(*args, store=store)[0]]

    def seed(self):
        self.up("R1", "customer_name", "张先生", "customer_phone", "138-0013-5678",
                "reservation_number", "YD-0001", "external_reservation_id", "yiding_001",
                "reservation_date", day(0), "reservation_time", "18:55", "customer_count", "4")
        self.up("R2", "customer_name", "张三", "customer_phone", "+86 139 0000 5678",
                "reservation_date", day(0), "reservation_time", "18:00-20:00")
        self.up("R3", "customer_name", "Ann LEE", "customer_phone", "13800135678",
                "reservation_date", day(3), "reservation_time", "12:00")
        self.up("R4", "customer_name", "李四", "customer_phone", "021 5555 1234",
                "reservation_date", "2020-01-01", "reservation_number", "5678")
        self.up("R5", "customer_name", "张伟", "reservation_date", day(9))

    def test_phone_digits(self):
        self.seed()
        self.up("R6", "customer_phone", "13800135678", "reservation_date", day(0),
                "reservation_time", "18:55")  # same start as R1: then by id
        # "5678" is R4's reservation_number: the exact tier wins over phone digits
        self.assertEqual(([("R4", "reservation_number")], 1), self.find("5678"))
        # ... unless the window leaves R4 out: then the phones ending 5678, by start
        # instant then id (R1 and R6 both start at 18:55)
        self.assertEqual(([("R2", "customer_phone"), ("R1", "customer_phone"),
                           ("R6", "customer_phone"), ("R3", "customer_phone")], 4),
                         self.find("5678", "FROM", day(-1)))
        self.assertEqual(["R1", "R6", "R3"], self.ids("  00135678 "))  # spaces trimmed
        # more digits narrow it; the whole number, formatted any way, finds it
        self.assertEqual(["R1", "R6", "R3"], self.ids("0013-5678"))
        self.assertEqual(["R1", "R6", "R3"], self.ids("138 0013 5678"))
        self.assertEqual(["R2"], self.ids("+86 (139) 0000-5678"))
        self.assertEqual(["R4"], self.ids("1234"))  # outside any window: 2020
        self.assertEqual([], self.ids("9995678"))
        self.assertEqual([], self.ids("5555 5678"))
        # FROM/TO filter ids and phones when given
        self.assertEqual(["R3"], self.ids("0013 5678", "FROM", day(1)))
        self.assertEqual([], self.ids("1234", "FROM", "2021-01-01"))

    def test_exact_tier(self):
        self.seed()
        self.assertEqual(([("R1", "reservation_id")], 1), self.find("R1"))
        self.assertEqual(([("R1", "reservation_number")], 1), self.find("YD-0001"))
        self.assertEqual(([("R1", "external_reservation_id")], 1), self.find("yiding_001"))
        self.assertEqual([], self.ids("YD-000"))  # exactly, not a prefix
        self.assertEqual([], self.ids("yd-0001"))  # ids are case-sensitive
        # one reservation matched two ways is listed once, under the preferred field
        self.up("R7", "reservation_number", "R1", "external_reservation_id", "R1",
                "reservation_date", day(1))
        self.assertEqual(([("R1", "reservation_id"), ("R7", "reservation_number")], 2),
                         self.find("R1"))
        # a shared number lists every holder, by start instant
        self.up("R8", "reservation_number", "YD-0001", "reservation_date", day(-1))
        self.assertEqual(["R8", "R1"], self.ids("YD-0001"))
        # the record reply is RESV.GET's
        _, items = self.r.call("RESV.FIND", S, "QUERY", "R1", "LIMIT", "1")
        self.assertEqual(self.r.call("RESV.GET", S, "R1"), items[0][1])

    def test_name_window(self):
        self.seed()
        self.assertEqual(([("R2", "customer_name"), ("R1", "customer_name")], 2),
                         self.find("张"))  # not R5 (9 days on)
        self.assertEqual(["R1"], self.ids("先生"))
        self.assertEqual(["R3"], self.ids("ann lee"))
        self.assertEqual(["R3"], self.ids("LEE"))
        self.assertEqual([], self.ids("李四"))  # 2020: outside today + 7 days
        self.assertEqual(["R4"], self.ids("李四", "FROM", "2019-12-31", "TO", "2020-01-02"))
        self.assertEqual(["R5"], self.ids("张", "FROM", day(8)))  # FROM's day + 7 days
        self.assertEqual(["R2", "R1", "R5"], self.ids("张", "TO", day(9)))
        self.assertEqual(["R1"], self.ids("张", "FROM", day(0) + "T18:30:00"))
        self.assertEqual([], self.ids("王"))
        # a name is found from its status's partition too, and moves with it
        self.r.call("RESV.STATUS", S, "R2", "cancelled")
        self.assertEqual(["R2", "R1"], self.ids("张"))

    def test_limit_and_total(self):
        for i in range(5):
            self.up("L%d" % i, "customer_phone", "13900001234",
                    "reservation_date", day(0), "reservation_time", "1%d:00" % (8 - i))
        rows, total = self.find("1234", "LIMIT", "2")
        self.assertEqual((["L4", "L3"], 5), ([r for r, _ in rows], total))
        self.assertEqual(5, len(self.find("1234")[0]))  # default limit 100

    def test_index_follows_writes(self):
        self.up("R1", "customer_phone", "138-0013-5678", "reservation_number", "N1",
                "reservation_date", day(0))
        self.up("R2", "customer_phone", "13900005678", "reservation_date", day(0))
        self.assertEqual({"n:N1": "R1", "p:5678": "R1 R2"}, pairs(self.r.call("HGETALL", LOOKUP)))
        # a field changed moves the id; a status change leaves the index alone
        self.up("R1", "customer_phone", "010-1234", "reservation_number", "N2",
                "external_reservation_id", "E1")
        self.r.call("RESV.STATUS", S, "R1", "confirmed")
        self.assertEqual({"n:N2": "R1", "x:E1": "R1", "p:1234": "R1", "p:5678": "R2"},
                         pairs(self.r.call("HGETALL", LOOKUP)))
        self.assertEqual(["R2"], self.ids("5678"))
        self.assertEqual(["R1"], self.ids("N2"))
        self.assertEqual([], self.ids("N1"))
        # a phone too short to index leaves it
        self.up("R2", "customer_phone", "123")
        self.assertEqual([], self.ids("5678"))
        self.assertNotIn("p:5678", pairs(self.r.call("HGETALL", LOOKUP)))
        self.assertEqual(1, self.r.call("RESV.DEL", S, "R1"))
        self.assertEqual(0, self.r.call("EXISTS", LOOKUP))
        self.assertEqual([], self.ids("E1"))

    def test_errors_change_nothing(self):
        self.seed()
        for cmd, msg in (
                (["RESV.FIND", S], "wrong number"),
                (["RESV.FIND", S, "LIMIT", "5"], "missing QUERY"),
                (["RESV.FIND", S, "QUERY", "   "], "invalid QUERY"),
                (["RESV.FIND", S, "QUERY", "a\nb"], "invalid QUERY"),
                (["RESV.FIND", S, "QUERY", "x" * 129], "invalid QUERY: must be 1 to 128 characters"),
                (["RESV.FIND", S, "QUERY", "x", "LIMIT", "0"], "invalid LIMIT"),
                (["RESV.FIND", S, "QUERY", "x", "FROM", "today"], "invalid FROM"),
                (["RESV.FIND", S, "QUERY", "x", "TO", "2024-13-01"], "invalid TO"),
                (["RESV.FIND", S, "QUERY", "x", "QUERY", "y"], "syntax error at 'QUERY'"),
                (["RESV.FIND", S, "QUERY", "x", "STATUS", "pending"], "syntax error"),
                (["RESV.FIND", "bad{store}", "QUERY", "x"], "invalid store")):
            self.assertIn(msg, self.refused("ERR", *cmd), cmd)
        self.assertEqual("readonly", self.r.call("COMMAND", "INFO", "resv.find")[0][2][0])

    def test_long_ids_in_characters(self):
        """Ids, numbers and external ids are limited in characters (128, up to 512
        bytes): one of more than 128 bytes is found by itself. The query was limited to
        128 bytes and the lookup index left longer values out, so a valid reservation_id
        of 100 Chinese characters was refused as a QUERY and never found."""
        rid, number, ext = "预" * 100, "号" * 50, "外" * 128
        self.up(rid, "reservation_date", day(20), "reservation_number", number,
                "external_reservation_id", ext)
        self.assertEqual(([(rid, "reservation_id")], 1), self.find(rid))
        self.assertEqual(([(rid, "reservation_number")], 1), self.find(number))
        self.assertEqual(([(rid, "external_reservation_id")], 1), self.find(ext))
        self.assertEqual(rid, self.r.call("HGET", LOOKUP, "n:" + number))
        # the limit is 128 characters, whatever their bytes
        self.assertIn("invalid QUERY", self.refused("ERR", "RESV.FIND", S, "QUERY", "外" * 129))
        # a new number leaves the old one's list
        self.up(rid, "reservation_number", "号" * 49)
        self.assertIsNone(self.r.call("HGET", LOOKUP, "n:" + number))
        self.assertEqual(([(rid, "reservation_number")], 1), self.find("号" * 49))

    def test_wrongtype(self):
        self.r.call("SET", LOOKUP, "x")
        self.refused("WRONGTYPE", "RESV.UPSERT", S, "R1", "reservation_date", day(0))
        self.refused("WRONGTYPE", "RESV.FIND", S, "QUERY", "5678")
        self.r.call("DEL", LOOKUP)
        self.up("R1", "reservation_date", day(0), "customer_phone", "13800135678")
        self.r.call("SET", LOOKUP, "x")
        self.refused("WRONGTYPE", "RESV.DEL", S, "R1")
        self.refused("WRONGTYPE", "RESV.UPSERT", S, "R1", "customer_phone", "1")
        # a write that leaves the looked-up fields alone does not need the key
        self.assertEqual("updated", self.up("R1", "notes", "靠窗"))

    def test_resp3(self):
        self.seed()
        total, items = self.r3.call("RESV.FIND", S, "QUERY", "张先生")
        self.assertEqual(1, total)
        self.assertEqual("customer_name", items[0][0])
        self.assertIsInstance(items[0][1], dict)
        self.assertEqual("R1", items[0][1]["reservation_id"])

    def test_other_store(self):
        self.seed()
        self.up("Q1", "customer_phone", "13800135678", "reservation_date", day(0),
                store="store-002")
        self.assertEqual(["Q1"], self.ids("0013 5678", store="store-002"))
        self.assertEqual([], self.ids("Q1"))
        self.assertIsInstance(self.r.try_call("RESV.FIND", "store-009", "QUERY", "5678"), list)


if __name__ == "__main__":
    unittest.main(verbosity=1)

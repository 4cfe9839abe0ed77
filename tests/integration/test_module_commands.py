"""Every RESV.* command of module/resv.so against a real redis-server: happy paths,
errors (each naming the field or argument, and changing nothing), the transition table,
tables, pagination, stats, history, owner, systems, metadata, INFO, configs, RESP3."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RedisTestCase, RespError, pairs  # noqa: E402

STATUSES = ["pending", "confirmed", "arrived", "seated", "completed", "cancelled", "no_show"]
# contract.md section 2
TRANSITIONS = {
    "pending": {"confirmed", "arrived", "cancelled", "no_show"},
    "confirmed": {"arrived", "seated", "cancelled", "no_show"},
    "arrived": {"seated", "completed", "cancelled"},
    "seated": {"completed"},
    "no_show": {"arrived"},
    "completed": set(),
    "cancelled": set(),
}
S = "store-001"


class ModuleCommands(RedisTestCase):
    def up(self, rid, *args, store=S):
        return self.r.call("RESV.UPSERT", store, rid, *args)

    def make(self, rid, status="pending", store=S, date="2024-02-15T00:00:00",
             slot="18:00-20:00", *extra):
        return self.up(rid, "reservation_date", date, "reservation_time", slot,
                       "status", status, "customer_count", "2", *extra, store=store)

    def get(self, rid, store=S):
        r = self.r.call("RESV.GET", store, rid)
        return None if r is None else pairs(r)

    def info(self):
        out = {}
        for line in self.r.call("INFO", "resv").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out[k] = int(v)
        return out

    def test_lone_unknown_word_is_a_syntax_error(self):
        """Every command answers a lone unknown word with ERR syntax error at it
        (commands.md), wherever it stands; a keyword without its value stays the arity
        error, as Redis answers a missing argument. Nothing is written."""
        self.make("R1", "pending", S, "2024-02-15T00:00:00", "18:00-20:00", "system_id",
                  "sys-lone")
        sysid = "sys-lone"
        self.r.call("RESV.SYSTEM.CREATE", "id", sysid, "store_id", S)
        eid = self.r.call("RESV.STATUS", S, "R1", "confirmed") and \
            self.r.call("RESV.OUTBOX", S)[0][0]
        cases = [
            ("RESV.UPSERT", S, "R2"), ("RESV.UPSERT", S, "R2", "notes", "x"),
            ("RESV.UPSERT", S, "R2", "ORIGIN", "sync"),
            ("RESV.GET", S, "R1"), ("RESV.LIST", S), ("RESV.LIST", S, "LIMIT", "5"),
            ("RESV.STATUS", S, "R1", "arrived"), ("RESV.DEL", S, "R1"),
            ("RESV.STATS", S), ("RESV.STATS", S, "FROM", "2024-02-15", "TO", "2024-02-15"),
            ("RESV.TABLES", S), ("RESV.HISTORY", S, "R1"),
            ("RESV.HISTORY", S, "R1", "COUNT", "2"), ("RESV.OUTBOX", S),
            ("RESV.OUTBOX", S, "COUNT", "1"), ("RESV.PUSHED", S, eid, "FAILED", "e"),
            ("RESV.FAILURES", S), ("RESV.RESYNC", S, "R1"), ("RESV.OWNER", "R1"),
            ("RESV.OWNER", "R1", "CLAIM", S), ("RESV.SYSTEM.CREATE", "id", "sys-2"),
            ("RESV.SYSTEM.GET", sysid), ("RESV.SYSTEM.LIST",), ("RESV.SYSTEM.SET", sysid),
            ("RESV.SYSTEM.SET", sysid, "name", "n"), ("RESV.SYSTEM.DEL", sysid),
            # the commands of the store settings, find and the floor
            ("RESV.FIND", S, "QUERY", "x"), ("RESV.FIND", S, "QUERY", "x", "LIMIT", "2"),
            ("RESV.STORE.SET", S, "slot_minutes", "30"), ("RESV.STORE.GET", S),
            ("RESV.TABLE.SET", S, "T2", "SEATS", "4"), ("RESV.TABLE.DEL", S, "T9"),
            ("RESV.DISOWN", S, "R9"), ("RESV.AVAILABILITY", S, "2024-03-01"),
            ("RESV.WAIT.LIST", S), ("RESV.LEASE", S, "push", "o1", "1000"),
        ]
        for cmd in cases:
            with self.subTest(cmd=cmd):
                self.refused("ERR syntax error at 'BOGUS'", *cmd, "BOGUS")
        # in the middle too
        self.refused("ERR syntax error at 'BOGUS'", "RESV.LIST", S, "BOGUS", "LIMIT", "5")
        self.refused("ERR syntax error at 'BOGUS'", "RESV.HISTORY", S, "R1", "BOGUS", "2")
        # the issue's example, word for word
        self.assertEqual("ERR syntax error at 'BOGUS'",
                         self.refused("ERR", "RESV.LIST", "store", "BOGUS"))
        # a keyword, or a field, without its value: the arity error
        for cmd in [("RESV.LIST", S, "LIMIT"), ("RESV.STATS", S, "FROM"),
                    ("RESV.UPSERT", S, "R2", "notes"), ("RESV.HISTORY", S, "R1", "COUNT"),
                    ("RESV.SYSTEM.SET", sysid, "name"), ("RESV.STATUS", S, "R1", "seated", "TABLE"),
                    ("RESV.FIND", S, "QUERY", "x", "LIMIT"), ("RESV.STORE.SET", S, "slot_minutes"),
                    ("RESV.TABLE.SET", S, "T2", "SEATS", "4", "AREA")]:
            with self.subTest(cmd=cmd):
                self.refused("ERR wrong number", *cmd)

    # ---- the issue's example ----
    def test_issue_example(self):
        self.assertEqual("created", self.r.call(
            "RESV.UPSERT", "store-001", "RES-2024-001", "customer_name", "张三",
            "customer_count", "4", "reservation_date", "2024-02-15T00:00:00",
            "reservation_time", "18:00-20:00", "status", "confirmed"))
        cur, items = self.r.call("RESV.LIST", "store-001", "STATUS", "confirmed", "FROM",
                                 "2024-02-15T00:00:00", "TO", "2024-02-15T23:59:59")
        self.assertEqual("0", cur)
        self.assertEqual(1, len(items))
        it = pairs(items[0])
        self.assertEqual("RES-2024-001", it["reservation_id"])
        self.assertEqual("张三", it["customer_name"])
        self.assertEqual("store-001", it["store_id"])
        self.assertEqual(36, len(it["id"]))
        self.assertEqual(it["created_at"], it["updated_at"])
        # model order, unset fields omitted
        self.assertEqual(["id", "store_id", "reservation_id", "customer_name", "customer_count",
                          "reservation_date", "reservation_time", "status", "created_at",
                          "updated_at"], items[0][0::2])

    def test_stale_check_with_provider_clock_behind_and_ahead(self):
        """stale compares the given updated_at with the stored one, whoever stored it
        (commands.md, Clocks): documented consequences of a provider clock that is off."""
        sync = ("ORIGIN", "sync")
        # behind: the provider stamps 2024, our own change stamps now; the provider's
        # next update (2024 + 5 min on its clock) is older than our stamp: stale
        self.up("B1", *sync, "reservation_date", "2030-02-15", "status", "pending",
                "updated_at", "2024-01-01T10:00:00")
        self.r.call("RESV.STATUS", S, "B1", "confirmed")
        ours = self.get("B1")["updated_at"]
        self.assertGreater(ours, "2025")
        self.assertEqual("stale", self.up("B1", *sync, "customer_count", "6",
                                          "updated_at", "2024-01-01T10:05:00"))
        self.assertNotIn("customer_count", self.get("B1"))
        # ... until its clock passes our stamp (or it sends no updated_at)
        self.assertEqual("updated", self.up("B1", *sync, "customer_count", "6"))
        # ahead: the provider stamps 2099; our own change stamps now, earlier; so an
        # older delivery of the provider (2098) is no longer recognised as stale
        self.up("A1", *sync, "reservation_date", "2030-02-15", "status", "pending",
                "updated_at", "2099-01-01T10:00:00")
        self.assertEqual("stale", self.up("A1", *sync, "notes", "old",
                                          "updated_at", "2098-12-31T10:00:00"))
        self.r.call("RESV.STATUS", S, "A1", "confirmed")
        self.assertLess(self.get("A1")["updated_at"], "2099")
        self.assertEqual("updated", self.up("A1", *sync, "notes", "old",
                                            "updated_at", "2098-12-31T10:00:00"))

    def test_utf8_round_trip(self):
        name = "张三 🍜 Zoë"
        notes = "靠窗\t安静\n生日蛋糕 🎂, «quotes» 'x' \"y\""
        self.make("R1", "pending", S, "2024-02-15", "18:00", "customer_name", name,
                  "notes", notes, "channel", "微信小程序")
        g = self.get("R1")
        self.assertEqual(name.encode(), g["customer_name"].encode())
        self.assertEqual(notes.encode(), g["notes"].encode())
        self.assertEqual("微信小程序", g["channel"])
        self.assertEqual("2024-02-15T00:00:00", g["reservation_date"])  # bare date stored long
        # ids may be non-ASCII too
        self.assertEqual("created", self.make("预订-1", store="门店-1"))
        self.assertEqual("预订-1", self.get("预订-1", "门店-1")["reservation_id"])

    def test_canonical_values(self):
        self.make("R1", "pending", S, "2024-02-15", "18:00", "deposit_amount", "200",
                  "deposit_required", "1", "deposit_paid", "false")
        g = self.get("R1")
        self.assertEqual(("200.00", "true", "false"),
                         (g["deposit_amount"], g["deposit_required"], g["deposit_paid"]))
        # 200.0 is the stored value: unchanged
        self.assertEqual("unchanged", self.up("R1", "deposit_amount", "200.0"))

    def test_unchanged_stale_updated(self):
        args = ("reservation_date", "2024-02-15T00:00:00", "customer_name", "A",
                "updated_at", "2024-02-01T10:00:00")
        self.assertEqual("created", self.up("R1", *args))
        d = self.digest()
        self.assertEqual("unchanged", self.up("R1", *args))
        self.assertEqual(d, self.digest())
        self.assertEqual("stale", self.up("R1", "customer_name", "B", "updated_at",
                                          "2024-01-31T10:00:00"))
        self.assertEqual(d, self.digest())
        self.assertEqual("updated", self.up("R1", "customer_name", "B", "updated_at",
                                            "2024-02-02T10:00:00"))
        g = self.get("R1")
        self.assertEqual(("B", "2024-02-02T10:00:00"), (g["customer_name"], g["updated_at"]))
        # without updated_at: the server's time
        self.assertEqual("updated", self.up("R1", "customer_name", "C"))
        self.assertNotEqual("2024-02-02T10:00:00", self.get("R1")["updated_at"])
        hist = self.r.call("RESV.HISTORY", S, "R1")
        self.assertEqual(["created", "updated", "updated"], [pairs(h)["event"] for h in hist])
        self.assertEqual("customer_name,updated_at", pairs(hist[1])["changed"])

    def test_msgid_duplicate(self):
        self.assertEqual("created", self.make("R1", "pending", S, "2024-02-15", "18:00",
                                              "MSGID", "msg_1"))
        d = self.digest()
        self.assertEqual("duplicate", self.up("R1", "MSGID", "msg_1", "customer_name", "X"))
        self.assertEqual(d, self.digest())
        self.assertEqual("updated", self.up("R1", "MSGID", "msg_2", "customer_name", "X"))
        ttl = self.r.call("TTL", "resv:{%s}:msg:msg_1" % S)
        self.assertTrue(86000 < ttl <= 86400, ttl)
        # the same MSGID in another store is another delivery
        self.assertEqual("created", self.make("R2", "pending", "store-002", "2024-02-15", "18:00",
                                              "MSGID", "msg_1"))

    def test_upsert_nx_xx(self):
        """NX creates and never overwrites; XX updates and never creates: the check and
        the write are one command, so of two creates of one id one wins. Each refusal
        changes nothing."""
        self.assertEqual("created", self.up("X1", "NX", "reservation_date", "2024-02-15"))
        self.assertEqual("CONFLICT reservation_id X1 already exists",
                         self.refused("CONFLICT", "RESV.UPSERT", S, "X1", "nx", "notes", "x"))
        self.assertEqual("updated", self.up("X1", "XX", "notes", "靠窗"))
        self.assertEqual("NOTFOUND reservation X2 not found in store %s" % S,
                         self.refused("NOTFOUND", "RESV.UPSERT", S, "X2", "XX",
                                      "reservation_date", "2024-02-15"))
        self.refused("NOTFOUND", "RESV.UPSERT", S, "X2", "XX", "notes", "x")  # not "missing date"
        for bad in (["NX", "NX"], ["NX", "XX"], ["XX", "nx"]):
            self.refused("ERR options NX and XX", "RESV.UPSERT", S, "X3", *bad,
                         "reservation_date", "2024-02-15")
        # of another store, NX is the owner's conflict
        self.refused("CONFLICT reservation_id X1 belongs to store", "RESV.UPSERT", "store-002",
                     "X1", "NX", "reservation_date", "2024-02-15")
        # a delivery seen before is a duplicate, not a conflict
        self.assertEqual("created", self.up("X4", "NX", "MSGID", "m-x4",
                                            "reservation_date", "2024-02-15"))
        self.assertEqual("duplicate", self.up("X4", "NX", "MSGID", "m-x4",
                                              "reservation_date", "2024-02-15"))
        docs = str(self.r.call("COMMAND", "DOCS", "RESV.UPSERT"))
        for word in ("FORCE", "NX", "XX"):
            self.assertIn("'%s'" % word, docs)

    def test_upsert_reply_record(self):
        """REPLY RECORD: [result, the record after the command exactly as RESV.GET
        replies it], for each result word; REPLY RESULT is the default form."""
        def rec(rid, *args, r=None):
            res = (r or self.r).call("RESV.UPSERT", S, rid, "REPLY", "RECORD", *args)
            self.assertEqual(2, len(res), res)
            return res[0], res[1]

        word, got = rec("RR1", "reservation_date", "2024-02-15", "status", "arrived",
                        "customer_name", "张三", "MSGID", "m-rr", "system_id", "sys-1")
        self.assertEqual("created", word)
        self.assertEqual(self.r.call("RESV.GET", S, "RR1"), got)  # same pairs, same order
        g = pairs(got)
        self.assertEqual((36, 19, "arrived"), (len(g["id"]), len(g["arrival_time"]), g["status"]))
        word, got = rec("RR1", "notes", "靠窗", "ORIGIN", "api", "ACTOR", "x")
        self.assertEqual(("updated", "靠窗"), (word, pairs(got)["notes"]))
        self.assertEqual(self.r.call("RESV.GET", S, "RR1"), got)
        # an api status change: the record shows the push bookkeeping written with it
        word, got = rec("RR1", "status", "seated", "table_number", "A1")
        self.assertEqual(("updated", "seated", "A1", "pending"),
                         (word, pairs(got)["status"], pairs(got)["table_number"],
                          pairs(got)["sync_status"]))
        self.assertEqual(self.r.call("RESV.GET", S, "RR1"), got)
        d = self.digest()
        self.assertEqual(("unchanged", self.r.call("RESV.GET", S, "RR1")),
                         rec("RR1", "notes", "靠窗"))
        self.assertEqual(("stale", self.r.call("RESV.GET", S, "RR1")),
                         rec("RR1", "notes", "x", "updated_at", "2000-01-01T00:00:00"))
        self.assertEqual(("duplicate", self.r.call("RESV.GET", S, "RR1")),
                         rec("RR1", "notes", "x", "MSGID", "m-rr"))
        self.assertEqual(d, self.digest())
        # an ignored provider status alone: unchanged, with the record as stored
        self.assertEqual(("unchanged", self.r.call("RESV.GET", S, "RR1")),
                         rec("RR1", "ORIGIN", "webhook", "status", "confirmed"))
        # a duplicate delivery for a record deleted since: nil
        self.r.call("RESV.DEL", S, "RR1")
        self.assertEqual(("duplicate", None), rec("RR1", "reservation_date", "2024-02-15",
                                                  "MSGID", "m-rr"))
        # RESULT, any case, is the plain word; options are case-insensitive
        self.assertEqual("created", self.up("RR2", "reply", "result", "reservation_date",
                                            "2024-02-15"))
        self.assertEqual("updated", self.up("RR2", "Reply", "Result", "notes", "n"))
        word, got = rec("RR2", "notes", "m")
        self.assertEqual("updated", word)
        # RESP3: the record is a map, as RESV.GET's
        word, got = rec("RR2", "notes", "o", r=self.r3)
        self.assertEqual("updated", word)
        self.assertIsInstance(got, dict)
        self.assertEqual(self.r3.call("RESV.GET", S, "RR2"), got)
        # errors name the option and change nothing
        e = self.refused("ERR", "RESV.UPSERT", S, "RR2", "REPLY", "FULL", "notes", "p")
        self.assertEqual("ERR invalid REPLY: must be RESULT or RECORD", e)
        self.assertEqual("ERR option REPLY given twice",
                         self.refused("ERR", "RESV.UPSERT", S, "RR2", "REPLY", "RECORD",
                                      "REPLY", "RECORD", "notes", "p"))
        self.refused("ERR syntax error at 'REPLY'", "RESV.STATUS", S, "RR2", "confirmed",
                     "REPLY", "RECORD")
        # a refused command replies the error, not [word, record]
        self.refused("CONFLICT", "RESV.UPSERT", S, "RR2", "REPLY", "RECORD", "status",
                     "completed")

    def test_field_errors(self):
        self.make("R1")
        e = self.refused("ERR", "RESV.UPSERT", S, "R1", "custmer_name", "x")
        self.assertEqual("ERR unknown field 'custmer_name'", e)
        for f in ("id", "store_id", "reservation_id", "created_at"):
            e = self.refused("ERR", "RESV.UPSERT", S, "R1", f, "x")
            self.assertEqual("ERR field '%s' is set by the server" % f, e)
        self.refused("ERR field 'notes' given twice", "RESV.UPSERT", S, "R1", "notes", "a",
                     "notes", "b")
        self.refused("ERR option ORIGIN given twice", "RESV.UPSERT", S, "R1", "ORIGIN", "api",
                     "origin", "sync", "notes", "a")
        self.refused("ERR invalid ORIGIN", "RESV.UPSERT", S, "R1", "ORIGIN", "fax", "notes", "a")
        self.refused("ERR at least one field", "RESV.UPSERT", S, "R1", "ACTOR", "bob")
        self.refused("ERR missing reservation_date", "RESV.UPSERT", S, "NEW", "notes", "a")
        self.refused("ERR wrong number", "RESV.UPSERT", S, "R1", "notes")
        self.refused("ERR invalid store", "RESV.UPSERT", "a{b}", "R1", "notes", "x")
        self.refused("ERR invalid reservation_id", "RESV.UPSERT", S, "R 1", "notes", "x")
        self.refused("ERR unknown field 'CUSTOMER_NAME'", "RESV.UPSERT", S, "R1",
                     "CUSTOMER_NAME", "x")
        # a bad value later in the command: nothing of the good fields is written
        self.refused("ERR invalid customer_count", "RESV.UPSERT", S, "R1", "notes", "new",
                     "customer_count", "0")
        self.assertNotIn("notes", self.get("R1"))

    def test_bad_values(self):
        self.make("R1")
        bad = [
            ("customer_count", "0"), ("customer_count", "10000"), ("customer_count", "4.5"),
            ("customer_count", "-1"), ("customer_count", "04"), ("customer_count", ""),
            ("reservation_date", "2024-02-30"), ("reservation_date", "2024-02-15 18:00:00"),
            ("reservation_date", "1969-12-31"), ("reservation_date", "2024-02-15T24:00:00"),
            ("reservation_time", "18:00-18:00"), ("reservation_time", "25:00"),
            ("reservation_time", "18:00-"), ("reservation_time", "6pm"),
            ("arrival_time", "yesterday"), ("synced_at", "2024-13-01"),
            ("updated_at", "2024-02-15T10:00"),
            ("status", "done"), ("status", "CONFIRMED"), ("sync_status", "ok"),
            ("deposit_amount", "1.234"), ("deposit_amount", "-5"), ("deposit_amount", "1e3"),
            ("deposit_amount", "1000000000"), ("deposit_required", "yes"),
            ("deposit_paid", "TRUE"), ("customer_phone", "call me"),
            ("customer_phone", "1" * 33), ("customer_name", "x" * 129),
            ("customer_name", "a\x01b"), ("customer_name", b"\xff\xfe"),
            ("notes", "n" * 2001), ("table_number", "A 8"), ("table_number", "T" * 33),
            ("system_id", "a/b"), ("table_type", "t" * 65), ("source", "s" * 65),
        ]
        for field, value in bad:
            e = self.refused("ERR invalid %s: " % field, "RESV.UPSERT", S, "R1", field, value)
            self.assertIn(field, e)
        # and on create
        self.refused("ERR invalid customer_count", "RESV.UPSERT", S, "R2", "reservation_date",
                     "2024-02-15", "customer_count", "x")
        self.assertIsNone(self.get("R2"))

    def test_transitions_api(self):
        n = 0
        for frm in STATUSES:
            for to in STATUSES:
                n += 1
                rid = "T%d" % n
                extra = ("table_number", "TB%d" % n)
                self.assertEqual("created", self.make(rid, frm, S, "2024-03-01", "12:00", *extra))
                cmd = ["RESV.STATUS", S, rid, to]
                if to == frm or to in TRANSITIONS[frm]:
                    g = pairs(self.r.call(*cmd))
                    self.assertEqual(to, g["status"], (frm, to))
                    self.assertEqual(to, self.get(rid)["status"])
                else:
                    e = self.refused("CONFLICT", *cmd)
                    self.assertEqual("CONFLICT cannot move from %s to %s" % (frm, to), e)
                    # UPSERT with ORIGIN api follows the same table
                    e = self.refused("CONFLICT", "RESV.UPSERT", S, rid, "status", to)
                    self.assertEqual("CONFLICT cannot move from %s to %s" % (frm, to), e)

    def test_status_same_is_noop(self):
        self.make("R1", "confirmed")
        d = self.digest()
        self.assertEqual("confirmed", pairs(self.r.call("RESV.STATUS", S, "R1", "confirmed"))["status"])
        self.assertEqual(d, self.digest())

    def test_status_errors(self):
        self.make("R1", "confirmed")
        self.refused("NOTFOUND", "RESV.STATUS", S, "NOPE", "arrived")
        self.refused("ERR invalid status", "RESV.STATUS", S, "R1", "gone")
        self.refused("ERR invalid ARRIVAL", "RESV.STATUS", S, "R1", "arrived", "ARRIVAL", "x")
        self.refused("ERR ARRIVAL applies", "RESV.STATUS", S, "R1", "seated", "TABLE", "A1",
                     "ARRIVAL", "2024-02-15T18:00:00")
        self.refused("ERR TABLE applies", "RESV.STATUS", S, "R1", "arrived", "TABLE", "A1")
        self.refused("ERR syntax error at 'FOO'", "RESV.STATUS", S, "R1", "arrived", "FOO", "1")
        self.refused("ERR option TABLE given twice", "RESV.STATUS", S, "R1", "seated", "TABLE",
                     "A1", "TABLE", "A2")
        self.refused("ERR wrong number", "RESV.STATUS", S, "R1", "seated", "TABLE")

    def test_provider_rules(self):
        self.make("R1", "arrived")
        # backwards from a provider: ignored, other fields applied, history notes it
        self.assertEqual("updated", self.up("R1", "ORIGIN", "webhook", "status", "confirmed",
                                            "notes", "late"))
        g = self.get("R1")
        self.assertEqual(("arrived", "late"), (g["status"], g["notes"]))
        last = pairs(self.r.call("RESV.HISTORY", S, "R1", "COUNT", "1")[0])
        self.assertEqual("ignored status confirmed", last["note"])
        self.assertEqual("webhook", last["origin"])
        # only the ignored status: recorded, data unchanged
        d_rec = self.r.call("DEBUG", "DIGEST-VALUE", "resv:{%s}:r:R1" % S)
        self.assertEqual("unchanged", self.up("R1", "ORIGIN", "sync", "status", "pending"))
        self.assertEqual(d_rec, self.r.call("DEBUG", "DIGEST-VALUE", "resv:{%s}:r:R1" % S))
        last = pairs(self.r.call("RESV.HISTORY", S, "R1", "COUNT", "1")[0])
        self.assertEqual(("ignored", "ignored status pending"), (last["event"], last["note"]))
        self.assertEqual("arrived", self.get("R1")["status"])
        # forward jumps and cancel are allowed for providers
        self.make("R2", "pending")
        self.assertEqual("updated", self.up("R2", "ORIGIN", "pull", "status", "completed"))
        self.make("R3", "seated", S, "2024-02-15", "18:00", "table_number", "A1")
        self.assertEqual("updated", self.up("R3", "ORIGIN", "webhook", "status", "cancelled"))
        self.assertEqual([], self.r.call("RESV.TABLES", S))
        # completed is final even for providers
        self.assertEqual("unchanged", self.up("R2", "ORIGIN", "webhook", "status", "cancelled"))
        self.assertEqual("completed", self.get("R2")["status"])

    def test_arrival_time(self):
        self.make("R1", "confirmed")
        g = pairs(self.r.call("RESV.STATUS", S, "R1", "arrived"))
        self.assertEqual(19, len(g["arrival_time"]))
        self.assertEqual(g["updated_at"], g["arrival_time"])
        self.make("R2", "confirmed")
        g = pairs(self.r.call("RESV.STATUS", S, "R2", "arrived", "ARRIVAL", "2024-02-15"))
        self.assertEqual("2024-02-15T00:00:00", g["arrival_time"])
        self.make("R3", "confirmed")
        self.up("R3", "status", "arrived")
        self.assertEqual(19, len(self.get("R3")["arrival_time"]))
        self.make("R4", "confirmed")
        self.up("R4", "status", "arrived", "arrival_time", "2024-02-15T18:05:00")
        self.assertEqual("2024-02-15T18:05:00", self.get("R4")["arrival_time"])

    def test_tables(self):
        self.make("R1", "confirmed")
        self.make("R2", "arrived")
        self.make("R3", "arrived", S, "2024-02-15", "19:00", "table_number", "B2")
        self.refused("ERR missing table_number", "RESV.STATUS", S, "R1", "seated")
        self.refused("ERR missing table_number", "RESV.UPSERT", S, "R1", "status", "seated")
        g = pairs(self.r.call("RESV.STATUS", S, "R1", "seated", "TABLE", "A08"))
        self.assertEqual(("seated", "A08"), (g["status"], g["table_number"]))
        e = self.refused("CONFLICT", "RESV.STATUS", S, "R2", "seated", "TABLE", "A08")
        self.assertEqual("CONFLICT table A08 is held by R1", e)
        e = self.refused("CONFLICT", "RESV.UPSERT", S, "R2", "status", "seated",
                         "table_number", "A08")
        self.assertEqual("CONFLICT table A08 is held by R1", e)
        self.r.call("RESV.STATUS", S, "R3", "seated")  # its stored table
        tables = [pairs(t) for t in self.r.call("RESV.TABLES", S)]
        self.assertEqual([("A08", "R1", "seated"), ("B2", "R3", "seated")],
                         [(t["table_number"], t["reservation_id"], t["status"]) for t in tables])
        self.assertEqual("2", tables[0]["customer_count"])
        # moving a seated reservation to another table moves the hold
        self.assertEqual("updated", self.up("R3", "table_number", "C3"))
        self.assertEqual({"A08": "R1", "C3": "R3"}, pairs(self.r.call("HGETALL", "resv:{%s}:tables" % S)))
        # completed releases; the table can be taken again
        self.r.call("RESV.STATUS", S, "R1", "completed")
        self.r.call("RESV.STATUS", S, "R2", "seated", "TABLE", "A08")
        self.assertEqual({"A08": "R2", "C3": "R3"}, pairs(self.r.call("HGETALL", "resv:{%s}:tables" % S)))
        # cancelled (provider) releases, deletion releases
        self.up("R2", "ORIGIN", "webhook", "status", "cancelled")
        self.assertEqual(1, self.r.call("RESV.DEL", S, "R3"))
        self.assertEqual([], self.r.call("RESV.TABLES", S))
        # no_show releases: a no_show never holds a table afterwards
        self.make("R5", "confirmed", S, "2024-02-15", "19:00", "table_number", "D4")
        self.r.call("RESV.STATUS", S, "R5", "no_show")
        self.assertEqual([], self.r.call("RESV.TABLES", S))

    def test_other_store_conflict(self):
        self.make("R1", store="store-A")
        e = self.refused("CONFLICT", "RESV.UPSERT", "store-B", "R1", "reservation_date",
                         "2024-02-15", "notes", "x")
        self.assertEqual("CONFLICT reservation_id R1 belongs to store store-A", e)
        self.assertIsNone(self.get("R1", "store-B"))
        self.assertEqual("store-A", self.r.call("RESV.OWNER", "R1"))
        self.r.call("RESV.DEL", "store-A", "R1")
        self.assertIsNone(self.r.call("RESV.OWNER", "R1"))
        self.assertEqual("created", self.make("R1", store="store-B"))

    def test_owner(self):
        self.assertIsNone(self.r.call("RESV.OWNER", "X1"))
        self.assertEqual("s1", self.r.call("RESV.OWNER", "X1", "CLAIM", "s1"))
        self.assertEqual("s1", self.r.call("RESV.OWNER", "X1", "claim", "s2"))
        self.assertEqual("s1", self.r.call("GET", "resv:owner:{X1}"))
        self.refused("ERR syntax error at 'TAKE'", "RESV.OWNER", "X1", "TAKE", "s2")
        self.refused("ERR invalid store", "RESV.OWNER", "X1", "CLAIM", "s 2")
        self.refused("ERR wrong number", "RESV.OWNER", "X1", "CLAIM")
        # a claimed id can be created only in its store
        self.refused("CONFLICT", "RESV.UPSERT", "s2", "X1", "reservation_date", "2024-02-15")
        self.assertEqual("created", self.make("X1", store="s1"))

    def test_disown_and_takeover(self):
        """A claim whose write never came (a crash between the two on a cluster): the
        holder gives the id up only when it has no such record, and is then fenced from
        creating it for RESV_DISOWN_MS; CLAIM ... FROM moves the claim only from that
        holder."""
        self.assertEqual("s1", self.r.call("RESV.OWNER", "Y1", "CLAIM", "s1"))
        self.assertEqual(1, self.r.call("RESV.DISOWN", "s1", "Y1"))
        ttl = self.r.call("PTTL", "resv:{s1}:disowned:Y1")
        self.assertTrue(290000 < ttl <= 300000, ttl)
        self.assertEqual("s1", self.r.call("RESV.OWNER", "Y1", "CLAIM", "s2", "FROM", "s3"))
        self.assertEqual("s2", self.r.call("RESV.OWNER", "Y1", "claim", "s2", "from", "s1"))
        self.assertEqual("s2", self.r.call("RESV.OWNER", "Y1"))
        self.make("Y2", store="s1")
        self.assertEqual(0, self.r.call("RESV.DISOWN", "s1", "Y2"))
        self.assertEqual(0, self.r.call("EXISTS", "resv:{s1}:disowned:Y2"))
        self.refused("ERR syntax error at 'FROM'", "RESV.OWNER", "Y1", "RELEASE", "s2", "FROM",
                     "s1")
        self.refused("ERR syntax error at 'TO'", "RESV.OWNER", "Y1", "CLAIM", "s2", "TO", "s1")
        self.refused("ERR invalid old", "RESV.OWNER", "Y1", "CLAIM", "s2", "FROM", "a b")
        self.refused("ERR wrong number", "RESV.OWNER", "Y1", "CLAIM", "s2", "FROM")
        self.refused("ERR invalid store", "RESV.DISOWN", "a b", "Y1")
        self.refused("ERR wrong number", "RESV.DISOWN", "s1")

    def test_owner_release(self):
        """RELEASE frees a claim only for the store that holds it (a late release of a
        store that lost the id must not free another store's claim)."""
        self.assertEqual("s1", self.r.call("RESV.OWNER", "X2", "CLAIM", "s1"))
        self.assertEqual(0, self.r.call("RESV.OWNER", "X2", "RELEASE", "s2"))
        self.assertEqual("s1", self.r.call("RESV.OWNER", "X2"))
        self.assertEqual(1, self.r.call("RESV.OWNER", "X2", "release", "s1"))
        self.assertIsNone(self.r.call("RESV.OWNER", "X2"))
        self.assertEqual(0, self.r.call("RESV.OWNER", "X2", "RELEASE", "s1"))
        self.assertEqual("s2", self.r.call("RESV.OWNER", "X2", "CLAIM", "s2"))
        self.refused("ERR invalid store", "RESV.OWNER", "X2", "RELEASE", "s 2")
        self.assertEqual("s2", self.r.call("RESV.OWNER", "X2"))
        # A store that has the record keeps its id.
        self.make("X3", store="s1")
        self.assertEqual(0, self.r.call("RESV.DISOWN", "s1", "X3"))
        self.assertEqual(0, self.r.call("RESV.OWNER", "X3", "RELEASE", "s1"))
        self.assertEqual("s1", self.r.call("RESV.OWNER", "X3"))

    def test_list_pagination_ties(self):
        # 23 reservations with 3 start instants (ties), inserted in shuffled order
        import random
        rng = random.Random(7)
        ids = ["L%02d" % i for i in range(23)]
        slots = {rid: ["18:00", "18:00-19:00", "19:30"][i % 3] for i, rid in enumerate(ids)}
        order = ids[:]
        rng.shuffle(order)
        for rid in order:
            self.make(rid, "confirmed", S, "2024-02-15", slots[rid])
        self.make("OTHERDAY", "confirmed", S, "2024-02-16", "18:00")
        expected = sorted(ids, key=lambda r: (slots[r][:5], r))
        for limit in (1, 2, 5, 7, 100):
            got, cur, pages = [], None, 0
            while True:
                cmd = ["RESV.LIST", S, "FROM", "2024-02-15", "TO", "2024-02-15", "LIMIT", limit]
                if cur:
                    cmd += ["CURSOR", cur]
                cur, items = self.r.call(*cmd)
                got += [pairs(i)["reservation_id"] for i in items]
                pages += 1
                if cur == "0":
                    break
                self.assertEqual(limit, len(items))
            self.assertEqual(expected, got, limit)
            self.assertLessEqual(pages, len(ids) // limit + 2)
        # STATUS filter and unbounded ranges
        self.r.call("RESV.STATUS", S, "L00", "cancelled")
        cur, items = self.r.call("RESV.LIST", S, "STATUS", "cancelled")
        self.assertEqual(("0", ["L00"]), (cur, [pairs(i)["reservation_id"] for i in items]))
        cur, items = self.r.call("RESV.LIST", S)
        self.assertEqual(24, len(items))
        self.assertEqual("OTHERDAY", pairs(items[-1])["reservation_id"])
        cur, items = self.r.call("RESV.LIST", S, "FROM", "2024-02-15T18:30:00", "TO", "2024-02-15T19:30:00")
        self.assertTrue(all(slots[pairs(i)["reservation_id"]] == "19:30" for i in items))
        self.assertEqual(7, len(items))
        self.assertEqual(["0", []], self.r.call("RESV.LIST", "empty-store"))
        # errors
        self.refused("ERR invalid LIMIT", "RESV.LIST", S, "LIMIT", "0")
        self.refused("ERR invalid LIMIT", "RESV.LIST", S, "LIMIT", "1001")
        self.refused("ERR invalid STATUS", "RESV.LIST", S, "STATUS", "x")
        self.refused("ERR invalid FROM", "RESV.LIST", S, "FROM", "2024-02-31")
        self.refused("ERR invalid TO", "RESV.LIST", S, "TO", "tomorrow")
        self.refused("ERR invalid CURSOR", "RESV.LIST", S, "CURSOR", "abc")
        self.refused("ERR syntax error at 'ORDER'", "RESV.LIST", S, "ORDER", "x")
        self.refused("ERR syntax error at 'LIMIT'", "RESV.LIST", S, "LIMIT", "1", "LIMIT", "2")
        self.refused("ERR wrong number", "RESV.LIST", S, "LIMIT")

    # ---- the index: partitions per status and day (keys.md) ----
    def index_keys(self, store=S):
        return sorted(k for k in self.r.call("KEYS", "resv:{%s}:*" % store)
                      if ":i:" in k or k.endswith(":days"))

    def days(self, store=S):
        return self.r.call("ZRANGE", "resv:{%s}:days" % store, "0", "-1", "WITHSCORES")

    def test_index_partitions(self):
        p = "resv:{%s}:" % S
        self.make("P1", "confirmed", S, "2024-02-15", "18:00")
        self.make("P2", "pending", S, "2024-02-15", "19:00")
        self.assertEqual([p + "days", p + "i:confirmed:2024-02-15", p + "i:pending:2024-02-15"],
                         self.index_keys())
        self.assertEqual(["2024-02-15", "1707955200"], self.days())
        self.assertEqual(["P1", "1708020000"],
                         self.r.call("ZRANGE", p + "i:confirmed:2024-02-15", "0", "-1",
                                     "WITHSCORES"))
        self.assertEqual("listpack", self.r.call("OBJECT", "ENCODING", p + "i:confirmed:2024-02-15"))
        # a date change moves the member to the other day; the day keeps P2
        self.assertEqual("updated", self.up("P1", "reservation_date", "2024-02-17"))
        self.assertEqual([p + "days", p + "i:confirmed:2024-02-17", p + "i:pending:2024-02-15"],
                         self.index_keys())
        self.assertEqual(["2024-02-15", "1707955200", "2024-02-17", "1708128000"], self.days())
        # the last member of a day leaves: the day goes, with its partition
        self.assertEqual("updated", self.up("P2", "reservation_date", "2024-02-17T00:00:00",
                                            "reservation_time", "11:30-13:00"))
        self.assertEqual([p + "days", p + "i:confirmed:2024-02-17", p + "i:pending:2024-02-17"],
                         self.index_keys())
        self.assertEqual(["2024-02-17", "1708128000"], self.days())
        self.assertEqual(["P2", "1708169400"],
                         self.r.call("ZRANGE", p + "i:pending:2024-02-17", "0", "-1", "WITHSCORES"))
        # a slot change inside the day changes the score only
        self.assertEqual("updated", self.up("P2", "reservation_time", "12:00"))
        self.assertEqual("1708171200", self.r.call("ZSCORE", p + "i:pending:2024-02-17", "P2"))
        # a status change moves between the day's partitions
        self.r.call("RESV.STATUS", S, "P2", "cancelled")
        self.assertEqual([p + "days", p + "i:cancelled:2024-02-17", p + "i:confirmed:2024-02-17"],
                         self.index_keys())
        # a date and status change at once
        self.assertEqual("updated", self.up("P1", "reservation_date", "2024-03-01",
                                            "status", "arrived"))
        self.assertEqual([p + "days", p + "i:arrived:2024-03-01", p + "i:cancelled:2024-02-17"],
                         self.index_keys())
        self.assertEqual(["2024-02-17", "1708128000", "2024-03-01", "1709251200"], self.days())
        self.assertEqual(1, self.r.call("RESV.DEL", S, "P2"))
        self.assertEqual(["2024-03-01", "1709251200"], self.days())
        self.assertEqual(1, self.r.call("RESV.DEL", S, "P1"))
        self.assertEqual([], self.index_keys())

    def test_list_across_days(self):
        # 4 days, ties of score inside a day, several statuses, inserted shuffled
        import random
        rng = random.Random(11)
        rows = {}
        for i in range(40):
            day = "2024-02-%02d" % (14 + i % 4)
            slot = ["11:30", "18:00", "18:00-20:00", "23:30-01:00"][i % 3 + (i % 7 == 0)]
            rows["M%02d" % i] = (day, slot, ["pending", "confirmed", "arrived", "completed",
                                             "cancelled"][i % 5])
        order = list(rows)
        rng.shuffle(order)
        for rid in order:
            d, t, st = rows[rid]
            self.make(rid, st, S, d, t)
        key = lambda rid: (rows[rid][0], rows[rid][1][:5], rid)  # noqa: E731

        def walk(limit, *args):
            got, cur = [], None
            for _ in range(100):
                cur, items = self.r.call("RESV.LIST", S, "LIMIT", limit, *args,
                                         *(["CURSOR", cur] if cur else []))
                got += [pairs(i)["reservation_id"] for i in items]
                if cur == "0":
                    return got
                self.assertEqual(limit, len(items))
            self.fail("no end")

        for limit in (1, 3, 7, 40, 100):
            self.assertEqual(sorted(rows, key=key), walk(limit), limit)
            # STATUS filter across days
            for st in ("confirmed", "pending"):
                self.assertEqual(sorted((r for r in rows if rows[r][2] == st), key=key),
                                 walk(limit, "STATUS", st), (limit, st))
        # ranges that start and end mid-day (inclusive), and one that covers no day
        lo, hi = ("2024-02-14", "18:00"), ("2024-02-16", "18:00")
        mid = sorted((r for r in rows if lo <= (rows[r][0], rows[r][1][:5]) <= hi), key=key)
        for limit in (2, 5, 100):
            self.assertEqual(mid, walk(limit, "FROM", "2024-02-14T18:00:00",
                                       "TO", "2024-02-16T18:00:00"))
            self.assertEqual([r for r in mid if rows[r][2] == "confirmed"],
                             walk(limit, "STATUS", "confirmed", "FROM", "2024-02-14T18:00:00",
                                  "TO", "2024-02-16T18:00:00"))
        self.assertEqual([], walk(5, "FROM", "2024-02-15T23:31:00", "TO", "2024-02-16T11:29:59"))
        self.assertEqual([], walk(5, "FROM", "2024-03-01"))
        late = sorted((r for r in rows if (rows[r][0], rows[r][1][:5]) > ("2024-02-17", "18:00")),
                      key=key)
        self.assertTrue(late)
        self.assertEqual(late, walk(2, "FROM", "2024-02-17T18:00:01"))
        self.assertEqual(sorted((r for r in rows if rows[r][0] <= "2024-02-15"), key=key),
                         walk(4, "TO", "2024-02-15"))
        # stats over the same mid-day range, with buckets of a day starting mid-day
        st = pairs(self.r.call("RESV.STATS", S, "FROM", "2024-02-14T18:00:00", "TO",
                               "2024-02-16T18:00:00", "BUCKET", "1440"))
        self.assertEqual(len(mid), st["total"])
        cancelled = [r for r in mid if rows[r][2] == "cancelled"]
        self.assertTrue(cancelled)
        self.assertEqual(2 * (len(mid) - len(cancelled)), st["covers"])
        self.assertEqual(2 * len(cancelled), st["covers_cancelled"])
        for s in STATUSES:
            self.assertEqual(sum(1 for r in mid if rows[r][2] == s), st[s], s)
        b = [pairs(x) for x in st["buckets"]]
        # TO is inclusive: the reservations at 2024-02-16T18:00 open a third bucket
        self.assertEqual(["2024-02-14T18:00:00", "2024-02-15T18:00:00", "2024-02-16T18:00:00"],
                         [x["start"] for x in b])
        edges = [("2024-02-14", "18:00"), ("2024-02-15", "18:00"), ("2024-02-16", "18:00"),
                 ("2024-02-16", "18:01")]
        self.assertEqual([sum(1 for r in mid if edges[i] <= (rows[r][0], rows[r][1][:5]) <
                              edges[i + 1]) for i in range(3)], [x["total"] for x in b])
        self.assertTrue(all(x["total"] for x in b))

    def test_list_default_limit_config(self):
        for i in range(12):
            self.make("C%02d" % i)
        self.assertEqual(12, len(self.r.call("RESV.LIST", S)[1]))
        try:
            self.r.call("CONFIG", "SET", "resv.list-default-limit", "5")
            self.assertEqual(["resv.list-default-limit", "5"],
                             self.r.call("CONFIG", "GET", "resv.list-default-limit"))
            cur, items = self.r.call("RESV.LIST", S)
            self.assertEqual(5, len(items))
            self.assertNotEqual("0", cur)
            self.assertIsInstance(self.r.try_call("CONFIG", "SET", "resv.list-default-limit", "0"),
                                  RespError)
            self.r.call("CONFIG", "SET", "resv.list-max-limit", "3")
            self.refused("ERR invalid LIMIT: must be an integer from 1 to 3", "RESV.LIST", S,
                         "LIMIT", "4")
        finally:
            self.r.call("CONFIG", "SET", "resv.list-default-limit", "100")
            self.r.call("CONFIG", "SET", "resv.list-max-limit", "1000")

    def test_history_max_len_config(self):
        """The audit trail is a list trimmed to exactly resv.history-max-len, newest kept;
        positions (the entries' ids) start at 1 again after a trim."""
        hkey = "resv:{%s}:h:H1" % S
        self.make("H1")
        try:
            self.r.call("CONFIG", "SET", "resv.history-max-len", "3")
            for i in range(10):
                self.up("H1", "notes", "n%d" % i)
            self.assertEqual("list", self.r.call("TYPE", hkey))
            self.assertEqual(3, self.r.call("LLEN", hkey))
            h = [pairs(x) for x in self.r.call("RESV.HISTORY", S, "H1")]
            self.assertEqual(["1", "2", "3"], [x["id"] for x in h])
            self.assertEqual(["updated"] * 3, [x["event"] for x in h])
            self.assertEqual("n9", self.get("H1")["notes"])
            self.assertEqual(["2", "3"], [pairs(x)["id"] for x in
                                          self.r.call("RESV.HISTORY", S, "H1", "COUNT", "2")])
            # raised: the list grows again; lowered: the next write trims it
            self.r.call("CONFIG", "SET", "resv.history-max-len", "200")
            for i in range(5):
                self.up("H1", "notes", "m%d" % i)
            self.assertEqual(8, self.r.call("LLEN", hkey))
            self.r.call("CONFIG", "SET", "resv.history-max-len", "1")
            self.assertEqual(8, self.r.call("LLEN", hkey))  # reads and config trim nothing
            self.r.call("RESV.STATUS", S, "H1", "confirmed")
            self.assertEqual(1, self.r.call("LLEN", hkey))
            (last,) = [pairs(x) for x in self.r.call("RESV.HISTORY", S, "H1")]
            self.assertEqual(("1", "status", "confirmed"), (last["id"], last["event"], last["status"]))
        finally:
            self.r.call("CONFIG", "SET", "resv.history-max-len", "200")

    def test_history_list_element_format(self):
        """One element per entry: at origin actor event changed status note [payload],
        joined by NUL, the payload last and only when given (an empty one included)."""
        payload = "第一行\n第二行\r\n\x00中间有NUL\x00\x00尾".encode()
        self.up("F1", "ORIGIN", "webhook", "ACTOR", "易订", "EVENT", "reservation.created",
                "PAYLOAD", payload, "reservation_date", "2024-02-15")
        self.up("F1", "ORIGIN", "sync", "PAYLOAD", "", "status", "pending", "notes", "x")
        self.up("F1", "notes", "y")
        raw = [x.encode("utf-8", "surrogateescape")
               for x in self.r.call("LRANGE", "resv:{%s}:h:F1" % S, "0", "-1")]
        self.assertEqual(3, len(raw))
        at = raw[0].split(b"\0", 1)[0]
        self.assertEqual(19, len(at))
        self.assertEqual(at + b"\0webhook\0\xe6\x98\x93\xe8\xae\xa2\0reservation.created\0"
                         b"reservation_date,status,updated_at\0pending\0\0" + payload, raw[0])
        self.assertEqual(7, raw[1].count(b"\0"))  # an empty payload: the seventh NUL is there
        self.assertTrue(raw[1].endswith(b"\0notes,updated_at\0pending\0\0"))
        self.assertEqual(6, raw[2].count(b"\0"))  # no payload
        h = [pairs(x) for x in self.r.call("RESV.HISTORY", S, "F1")]
        # the reply: id, the six fixed fields (empty ones too), note/payload when there
        self.assertEqual(["id", "at", "origin", "actor", "event", "changed", "status", "payload"],
                         self.r.call("RESV.HISTORY", S, "F1")[0][0::2])
        self.assertEqual(payload, h[0]["payload"].encode("utf-8", "surrogateescape"))
        self.assertEqual("易订", h[0]["actor"])
        self.assertEqual("", h[1]["payload"])
        self.assertEqual("", h[1]["actor"])
        self.assertNotIn("payload", h[2])
        self.assertNotIn("note", h[2])
        self.assertEqual(["1", "2", "3"], [x["id"] for x in h])
        h3 = self.r3.call("RESV.HISTORY", S, "F1", "COUNT", "3")
        self.assertEqual(payload, h3[0]["payload"].encode("utf-8", "surrogateescape"))

    def test_actor_nul_refused(self):
        self.make("A1")
        e = self.refused("ERR invalid ACTOR", "RESV.UPSERT", S, "A1", "ACTOR", b"bo\x00b",
                         "notes", "x")
        self.assertIn("NUL", e)
        self.refused("ERR invalid ACTOR", "RESV.STATUS", S, "A1", "confirmed", "ACTOR", b"\x00")
        self.refused("ERR invalid ACTOR", "RESV.UPSERT", S, "NEW", "ACTOR", b"x\x00",
                     "reservation_date", "2024-02-15")

    def test_history_key_of_another_type(self):
        """A trail key of another type: refused before anything is written."""
        self.make("L1")
        hkey = "resv:{%s}:h:L1" % S
        self.r.call("DEL", hkey)
        self.r.call("SET", hkey, "x")
        self.refused("WRONGTYPE", "RESV.UPSERT", S, "L1", "notes", "z")
        self.refused("WRONGTYPE", "RESV.STATUS", S, "L1", "confirmed")
        self.refused("WRONGTYPE", "RESV.HISTORY", S, "L1")

    def test_long_hand_written_table_released(self):
        """A table name written by hand past the 32-byte limit is still looked up by
        its exact bytes: leaving seated releases it."""
        self.make("T1", status="confirmed")
        long_table = "T" * 80
        rkey, tkey = "resv:{%s}:r:T1" % S, "resv:{%s}:tables" % S
        self.r.call("HSET", rkey, "status", "seated", "table_number", long_table)
        self.r.call("HSET", tkey, long_table, "T1")
        self.r.call("HSET", tkey, long_table[:63], "OTHER")
        self.r.call("RESV.STATUS", S, "T1", "completed")
        self.assertEqual({long_table[:63]: "OTHER"}, pairs(self.r.call("HGETALL", tkey)))

    def test_unknown_hash_field_ignored(self):
        """A field HSET by hand is not part of the model: replies leave it out, writes
        keep working; also with a hash in its hashtable encoding (a value over 64 bytes)."""
        self.make("U1", "confirmed", S, "2024-02-15", "18:00", "customer_name", "张三")
        rkey = "resv:{%s}:r:U1" % S
        before = self.get("U1")
        self.r.call("HSET", rkey, "zz_by_hand", "x", "a", "", "customer_nam", "typo")
        self.assertEqual(before, self.get("U1"))
        self.assertEqual(list(before), self.r.call("RESV.GET", S, "U1")[0::2])
        _, items = self.r.call("RESV.LIST", S)
        self.assertEqual(before, pairs(items[0]))
        self.assertEqual("updated", self.up("U1", "notes", "靠窗" * 30))
        self.assertEqual("hashtable", self.r.call("OBJECT", "ENCODING", rkey))
        g = self.get("U1")
        self.assertEqual("靠窗" * 30, g["notes"])
        self.assertNotIn("zz_by_hand", g)
        self.assertEqual(["id", "store_id", "reservation_id", "customer_name", "customer_count",
                          "reservation_date", "reservation_time", "status", "notes",
                          "created_at", "updated_at"], self.r.call("RESV.GET", S, "U1")[0::2])
        st = pairs(self.r.call("RESV.STATUS", S, "U1", "arrived"))
        self.assertEqual(("arrived", "张三"), (st["status"], st["customer_name"]))
        self.assertNotIn("customer_nam", st)
        self.assertEqual(1, self.r.call("RESV.DEL", S, "U1"))

    def test_get_model_order_whatever_the_hash_order(self):
        """RESV.GET and LIST pass HGETALL's reply on when the hash holds model fields in
        model order (a create writes them so), and rebuild it in model order otherwise:
        a field added by a later update sits last in the hash, yet comes back in its
        place; in RESP3 both ways are maps."""
        self.make("O1", "confirmed", S, "2024-02-15", "18:00", "customer_name", "张三")
        rkey = "resv:{%s}:r:O1" % S
        self.assertEqual(self.r.call("HGETALL", rkey), self.r.call("RESV.GET", S, "O1"))
        self.up("O1", "arrival_time", "2024-02-15T18:05:00")
        self.assertEqual("arrival_time", self.r.call("HGETALL", rkey)[0::2][-1])
        flat = self.r.call("RESV.GET", S, "O1")
        self.assertEqual(sorted(self.r.call("HGETALL", rkey)), sorted(flat))
        names = flat[0::2]
        self.assertEqual(["id", "store_id", "reservation_id", "customer_name", "customer_count",
                          "reservation_date", "reservation_time", "arrival_time", "status",
                          "created_at", "updated_at"], names)
        _, items = self.r.call("RESV.LIST", S)
        self.assertEqual(flat, items[0])
        for rid in ("O1", "O2"):
            if rid == "O2":
                self.make("O2", "pending")
            m = self.r3.call("RESV.GET", S, rid)
            self.assertIsInstance(m, dict)
            self.assertEqual(pairs(self.r.call("HGETALL", "resv:{%s}:r:%s" % (S, rid))), m)
        self.assertIsNone(self.r3.call("RESV.GET", S, "O3"))

    def test_stats(self):
        rows = [("S1", "2024-02-15", "18:00", "confirmed", 4), ("S2", "2024-02-15", "18:30", "pending", 2),
                ("S3", "2024-02-15", "20:00", "confirmed", 6), ("S4", "2024-02-16", "12:00", "pending", 1)]
        for rid, d, t, st, n in rows:
            self.up(rid, "reservation_date", d, "reservation_time", t, "status", st,
                    "customer_count", str(n))
        self.up("S5", "reservation_date", "2024-02-15", "reservation_time", "19:00")  # no count
        # parties that will not come count apart: 3 cancelled at 18:15, 5 no-show at 20:30
        for rid, t, n, end in (("S6", "18:15", 3, "cancelled"), ("S7", "20:30", 5, "no_show")):
            self.up(rid, "reservation_date", "2024-02-15", "reservation_time", t,
                    "customer_count", str(n))
            self.r.call("RESV.STATUS", S, rid, end)
        st = pairs(self.r.call("RESV.STATS", S, "FROM", "2024-02-15", "TO", "2024-02-15"))
        self.assertEqual({"total": 6, "covers": 12, "covers_cancelled": 3, "covers_no_show": 5,
                          "pending": 2, "confirmed": 2, "arrived": 0, "seated": 0, "completed": 0,
                          "cancelled": 1, "no_show": 1}, st)
        st = pairs(self.r.call("RESV.STATS", S, "TO", "2024-02-15T23:59:59", "FROM",
                               "2024-02-15T17:00:00", "BUCKET", "60"))
        b = [pairs(x) for x in st.pop("buckets")]
        self.assertEqual(6, st["total"])
        self.assertEqual(["2024-02-15T18:00:00", "2024-02-15T19:00:00", "2024-02-15T20:00:00"],
                         [x["start"] for x in b])
        self.assertEqual([(3, 6, 3, 0), (1, 0, 0, 0), (2, 6, 0, 5)],
                         [(x["total"], x["covers"], x["covers_cancelled"], x["covers_no_show"])
                          for x in b])
        self.assertEqual(1, b[0]["confirmed"])
        # BUCKET SLOT: the store's own slots (default 30 minutes, then its setting)
        day = ("FROM", "2024-02-15", "TO", "2024-02-15")
        slots = lambda: [(x["start"][11:16], x["total"]) for x in  # noqa: E731
                         map(pairs, pairs(self.r.call("RESV.STATS", S, *day, "BUCKET",
                                                      "slot"))["buckets"])]
        self.assertEqual([("18:00", 2), ("18:30", 1), ("19:00", 1), ("20:00", 1), ("20:30", 1)],
                         slots())
        self.r.call("RESV.STORE.SET", S, "slot_minutes", "120")
        self.assertEqual([("18:00", 4), ("20:00", 2)], slots())
        # settings that are not a hash are refused, as RESV.STORE.GET refuses them, not
        # taken for the default 30 minutes
        self.r.call("SET", "resv:{bad}:settings", "x")
        self.refused("WRONGTYPE", "RESV.STATS", "bad", *day, "BUCKET", "SLOT")
        self.assertIn("total", pairs(self.r.call("RESV.STATS", "bad", *day, "BUCKET", "30")))
        self.refused("ERR syntax error at 'x'", "RESV.STATS", "bad", *day, "BUCKET", "SLOT",
                     "x", "1")
        empty = pairs(self.r.call("RESV.STATS", "nostore", "FROM", "2024-01-01", "TO", "2024-01-02",
                                  "BUCKET", "15"))
        self.assertEqual([], empty["buckets"])
        self.assertEqual(0, empty["total"])
        self.refused("ERR missing TO", "RESV.STATS", S, "FROM", "2024-02-15", "BUCKET", "5")
        self.refused("ERR invalid BUCKET", "RESV.STATS", S, "FROM", "2024-02-15", "TO",
                     "2024-02-15", "BUCKET", "0")
        self.refused("ERR invalid BUCKET", "RESV.STATS", S, "FROM", "2024-02-15", "TO",
                     "2024-02-15", "BUCKET", "1441")
        self.refused("ERR invalid FROM", "RESV.STATS", S, "FROM", "x", "TO", "2024-02-15")
        self.refused("ERR wrong number", "RESV.STATS", S, "FROM", "2024-02-15")

    def test_history_payload_bytes(self):
        payload = ('{"event":"reservation.created","data":{"name":"张三","x":[1,2]}}'.encode()
                   + b"\x00\xff\r\n raw")
        self.assertEqual("created", self.up("P1", "ORIGIN", "webhook", "ACTOR", "yiding",
                                            "EVENT", "reservation.created", "PAYLOAD", payload,
                                            "reservation_date", "2024-02-15",
                                            "system_id", "sys-1"))
        self.r.call("RESV.STATUS", S, "P1", "confirmed", "ACTOR", "张经理")
        h = [pairs(x) for x in self.r.call("RESV.HISTORY", S, "P1")]
        self.assertEqual(2, len(h))
        self.assertEqual(payload, h[0]["payload"].encode("utf-8", "surrogateescape"))
        self.assertEqual(("webhook", "yiding", "reservation.created", "pending"),
                         (h[0]["origin"], h[0]["actor"], h[0]["event"], h[0]["status"]))
        # an api status change is queued for the provider: sync_status becomes pending
        self.assertEqual(("api", "张经理", "status", "confirmed", "status,updated_at,sync_status"),
                         (h[1]["origin"], h[1]["actor"], h[1]["event"], h[1]["status"],
                          h[1]["changed"]))
        self.assertNotIn("payload", h[1])
        self.assertEqual(["1", "2"], [x["id"] for x in h])  # positions in the kept list
        last = self.r.call("RESV.HISTORY", S, "P1", "COUNT", "1")
        self.assertEqual("confirmed", pairs(last[0])["status"])
        self.assertEqual(2, len(self.r.call("RESV.HISTORY", S, "P1", "COUNT", "5")))
        self.assertEqual([], self.r.call("RESV.HISTORY", S, "NOPE"))
        self.refused("ERR invalid COUNT", "RESV.HISTORY", S, "P1", "COUNT", "0")
        self.refused("ERR syntax error at 'LAST'", "RESV.HISTORY", S, "P1", "LAST", "1")
        # the change feed
        feed = self.r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")
        self.assertEqual([("P1", "created", "pending"), ("P1", "status", "confirmed")],
                         [(pairs(f)["reservation_id"], pairs(f)["event"], pairs(f)["status"])
                          for _, f in feed])

    def test_del(self):
        self.make("D1", "seated", S, "2024-02-15", "18:00", "table_number", "A1")
        self.assertEqual(1, self.r.call("RESV.DEL", S, "D1"))
        self.assertEqual(0, self.r.call("RESV.DEL", S, "D1"))
        self.assertIsNone(self.get("D1"))
        keys = sorted(self.r.call("KEYS", "*"))
        self.assertEqual(["resv:{%s}:changes" % S], keys)
        ev = [pairs(f)["event"] for _, f in self.r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        self.assertEqual(["created", "deleted"], ev)
        self.refused("ERR wrong number", "RESV.DEL", S)

    def test_wrongtype(self):
        self.r.call("SET", "resv:{%s}:r:W1" % S, "x")
        self.refused("WRONGTYPE", "RESV.GET", S, "W1")
        self.refused("WRONGTYPE", "RESV.UPSERT", S, "W1", "notes", "x")
        # the index: the day list, and a partition, checked before the first write
        self.make("W2", "confirmed", S, "2024-02-15")
        akey = "resv:{%s}:i:arrived:2024-02-15" % S
        self.r.call("SET", akey, "x")
        self.refused("WRONGTYPE", "RESV.STATUS", S, "W2", "arrived")
        self.refused("WRONGTYPE", "RESV.LIST", S, "STATUS", "arrived")
        self.assertEqual(1, len(self.r.call("RESV.LIST", S, "STATUS", "confirmed")[1]))
        self.refused("WRONGTYPE", "RESV.LIST", S, "FROM", "2024-02-15", "TO", "2024-02-15")
        self.refused("WRONGTYPE", "RESV.STATS", S, "FROM", "2024-02-15", "TO", "2024-02-15")
        self.r.call("DEL", akey)
        self.r.call("SET", "resv:{%s}:days" % S, "x")
        self.refused("WRONGTYPE", "RESV.LIST", S)
        self.refused("WRONGTYPE", "RESV.STATS", S, "FROM", "2024-01-01", "TO", "2024-01-02")
        self.refused("WRONGTYPE", "RESV.UPSERT", S, "W3", "reservation_date", "2024-02-16")
        self.refused("WRONGTYPE", "RESV.UPSERT", S, "W2", "reservation_date", "2024-02-16")
        self.refused("WRONGTYPE", "RESV.DEL", S, "W2")
        self.assertEqual("updated", self.up("W2", "notes", "no index change"))

    def test_systems(self):
        sysrec = pairs(self.r.call("RESV.SYSTEM.CREATE", "name", "易订", "type", "reservation",
                                   "provider", "yiding", "store_id", "store-001",
                                   "config", '{"api_key":"k"}'))
        self.assertEqual(36, len(sysrec["id"]))
        self.assertEqual(("inactive", "易订"), (sysrec["status"], sysrec["name"]))
        self.assertEqual(sysrec["created_at"], sysrec["updated_at"])
        y = sysrec["id"]
        self.assertEqual(sysrec, pairs(self.r.call("RESV.SYSTEM.GET", y)))
        b = pairs(self.r.call("RESV.SYSTEM.CREATE", "id", "aaa-sys", "store_id", "s2"))
        self.assertEqual("aaa-sys", b["id"])
        self.refused("CONFLICT system aaa-sys exists", "RESV.SYSTEM.CREATE", "id", "aaa-sys",
                     "store_id", "s2")
        self.assertEqual(sorted(["aaa-sys", y]),
                         [pairs(x)["id"] for x in self.r.call("RESV.SYSTEM.LIST")])
        # Every system key carries the tag {#sys}: one cluster slot for all systems.
        self.assertEqual(sorted(["resv:{#sys}:all", "resv:{#sys}:s:aaa-sys", "resv:{#sys}:s:" + y]),
                         sorted(self.r.call("KEYS", "*")))
        s = pairs(self.r.call("RESV.SYSTEM.SET", y, "status", "active", "last_error", ""))
        self.assertEqual(("active", ""), (s["status"], s["last_error"]))
        self.refused("NOTFOUND", "RESV.SYSTEM.SET", "nope", "status", "active")
        self.refused("ERR field 'store_id' cannot be changed", "RESV.SYSTEM.SET", y, "store_id", "x")
        self.refused("ERR field 'id' is set by the server", "RESV.SYSTEM.SET", y, "id", "x")
        self.refused("ERR field 'created_at' is set by the server", "RESV.SYSTEM.CREATE",
                     "store_id", "s", "created_at", "2024-01-01")
        self.refused("ERR invalid status", "RESV.SYSTEM.SET", y, "status", "broken")
        self.refused("ERR unknown field 'colour'", "RESV.SYSTEM.SET", y, "colour", "x")
        self.refused("ERR missing store_id", "RESV.SYSTEM.CREATE", "name", "x")
        self.refused("ERR wrong number", "RESV.SYSTEM.CREATE", "name")
        self.assertIsNone(self.r.call("RESV.SYSTEM.GET", "nope"))
        self.assertEqual(1, self.r.call("RESV.SYSTEM.DEL", y))
        self.assertEqual(0, self.r.call("RESV.SYSTEM.DEL", y))
        self.assertEqual(["aaa-sys"], [pairs(x)["id"] for x in self.r.call("RESV.SYSTEM.LIST")])

    def test_command_metadata(self):
        info = {c[0]: c for c in self.r.call("COMMAND", "INFO", *[
            "resv.upsert", "resv.get", "resv.list", "resv.status", "resv.del", "resv.stats",
            "resv.tables", "resv.history", "resv.owner", "resv.system.create",
            "resv.system.get", "resv.system.list", "resv.system.set", "resv.system.del"])}
        self.assertEqual(14, len(info))
        # at-least arities: a word past the fixed arguments reaches the command, which
        # names it (ERR syntax error at ...), where Redis would only count arguments
        self.assertEqual(-4, info["resv.upsert"][1])
        self.assertEqual([-3, -3, -2, -2, -2], [info[n][1] for n in (
            "resv.get", "resv.del", "resv.stats", "resv.tables", "resv.system.get")])
        self.assertIn("write", info["resv.upsert"][2])
        self.assertIn("denyoom", info["resv.upsert"][2])
        self.assertIn("readonly", info["resv.get"][2])
        self.assertEqual((1, 1, 1), tuple(info["resv.list"][3:6]))
        # System commands name no key: their keys are resv:{#sys}:..., not in the id's slot.
        for c in ("resv.system.create", "resv.system.get", "resv.system.list",
                  "resv.system.set", "resv.system.del"):
            self.assertEqual((0, 0, 0), tuple(info[c][3:6]), c)
            self.assertEqual([], info[c][8], c)
        self.assertIsInstance(self.r.try_call("COMMAND", "GETKEYS", "RESV.SYSTEM.GET", "y1"),
                              RespError)
        ks = pairs(info["resv.upsert"][8][0])
        self.assertEqual(["RW", "update"], ks["flags"])
        self.assertEqual(["type", "index", "spec", ["index", 1]], ks["begin_search"])
        self.assertEqual(["RO", "access"], pairs(info["resv.get"][8][0])["flags"])
        self.assertIn("delete", pairs(info["resv.del"][8][0])["flags"])
        docs = pairs(self.r.call("COMMAND", "DOCS", "resv.list"))
        d = pairs(docs["resv.list"])
        self.assertIn("summary", d)
        self.assertEqual("module", d["group"])
        argnames = [pairs(a)["name"] for a in d["arguments"]]
        self.assertEqual(["store", "status", "from", "to", "limit", "cursor"], argnames)
        up = pairs(pairs(self.r.call("COMMAND", "DOCS", "resv.upsert"))["resv.upsert"])
        reply = [pairs(a) for a in up["arguments"] if pairs(a)["name"] == "reply"][0]
        self.assertEqual(("oneof", "REPLY"), (reply["type"], reply["token"]))
        self.assertIn("optional", reply["flags"])
        self.assertEqual(["RESULT", "RECORD"], [pairs(a)["token"] for a in reply["arguments"]])
        self.assertEqual(["store-9"], self.r.call("COMMAND", "GETKEYS", "RESV.UPSERT", "store-9",
                                                   "R1", "notes", "x"))
        self.assertEqual(["store-9"], self.r.call("COMMAND", "GETKEYS", "RESV.STATS", "store-9",
                                                   "FROM", "a", "TO", "b"))
        self.assertEqual(["R1"], self.r.call("COMMAND", "GETKEYS", "RESV.OWNER", "R1"))

    def test_info_counters(self):
        a = self.info()
        for k in ("resv_upsert_created", "resv_upsert_updated", "resv_upsert_unchanged",
                  "resv_upsert_stale", "resv_status_changes", "resv_deletes", "resv_errors"):
            self.assertIn(k, a)
        self.make("I1")
        self.make("I1")
        self.up("I1", "notes", "x")
        self.up("I1", "notes", "y", "updated_at", "2099-01-01T00:00:00")
        self.up("I1", "notes", "z", "updated_at", "2098-01-01T00:00:00")
        self.r.call("RESV.STATUS", S, "I1", "confirmed")
        self.r.try_call("RESV.STATUS", S, "I1", "bogus")
        self.r.try_call("RESV.UPSERT", S, "I1", "nope", "x")
        self.r.call("RESV.DEL", S, "I1")
        b = self.info()
        delta = {k: b[k] - a[k] for k in a}
        self.assertEqual(1, delta["resv_upsert_created"])
        self.assertEqual(2, delta["resv_upsert_updated"])
        self.assertEqual(1, delta["resv_upsert_unchanged"])
        self.assertEqual(1, delta["resv_upsert_stale"])
        self.assertEqual(1, delta["resv_status_changes"])
        self.assertEqual(1, delta["resv_deletes"])
        self.assertEqual(2, delta["resv_errors"])

    def test_resp3_maps(self):
        self.make("M1", "confirmed")
        g = self.r3.call("RESV.GET", S, "M1")
        self.assertIsInstance(g, dict)
        self.assertEqual("confirmed", g["status"])
        cur, items = self.r3.call("RESV.LIST", S)
        self.assertIsInstance(items[0], dict)
        st = self.r3.call("RESV.STATS", S, "FROM", "2024-02-15", "TO", "2024-02-15", "BUCKET", "30")
        self.assertIsInstance(st, dict)
        self.assertIsInstance(st["buckets"][0], dict)
        self.assertIsInstance(self.r3.call("RESV.STATUS", S, "M1", "arrived"), dict)
        self.assertIsInstance(self.r3.call("RESV.HISTORY", S, "M1")[0], dict)
        self.assertIsNone(self.r3.call("RESV.GET", S, "none"))
        y = self.r3.call("RESV.SYSTEM.CREATE", "store_id", S)
        self.assertIsInstance(y, dict)
        self.assertIsInstance(self.r3.call("RESV.SYSTEM.LIST")[0], dict)


if __name__ == "__main__":
    unittest.main(verbosity=1)

"""The sidecar's HTTP API against a real Redis with the module: every endpoint of
contract section 4, the JSON shapes and types, auth (roles, stores, expiry), webhooks
(signatures, replays) and the error codes."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, pairs  # noqa: E402
from sidecar_harness import API, Sidecar, make_jwt, webhook_headers  # noqa: E402

SEED = {
    "reservation_id": "RES-2024-001", "external_id": "yiding_res_001",
    "reservation_number": "YD20240214001", "customer_name": "张三",
    "customer_phone": "13800138000", "customer_count": 4,
    "reservation_date": "2024-02-15T00:00:00", "reservation_time": "18:00-20:00",
    "table_type": "圆桌", "area": "大厅", "status": "confirmed",
    "special_requirements": "靠窗位置，需要儿童座椅", "notes": "客户是VIP会员",
    "deposit_required": True, "deposit_amount": 200.00, "deposit_paid": True,
    "source": "yiding", "channel": "微信小程序",
}

FIELDS = ["id", "system_id", "store_id", "reservation_id", "external_reservation_id",
          "reservation_number", "customer_name", "customer_phone", "customer_count",
          "reservation_date", "reservation_time", "arrival_time", "table_type", "table_number",
          "area", "status", "special_requirements", "notes", "deposit_required",
          "deposit_amount", "deposit_paid", "source", "channel", "sync_status", "synced_at",
          "created_at", "updated_at"]


class SidecarApiTest(unittest.TestCase):
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

    # helpers
    def req(self, method, path, body=None, token=None, headers=None):
        return self.sc.request(method, path, body=body, token=token, headers=headers)

    def assertError(self, resp, status, code=None, mentions=None):
        st, _, body = resp
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertIn("error", body)
        self.assertIsInstance(body["error"].get("code"), str)
        self.assertIsInstance(body["error"].get("message"), str)
        if code:
            self.assertEqual(body["error"]["code"], code, body)
        if mentions:
            self.assertIn(mentions, body["error"]["message"], body)

    def create_system(self, store="store-001", config=None, token=None):
        st, _, body = self.req("POST", API + "/systems", {
            "name": "易订预订管理系统", "type": "reservation", "provider": "Yiding",
            "store_id": store, "config": config if config is not None else {
                "api_endpoint": "https://api.yiding.com/reservation",
                "api_key": "your_yiding_api_key"}}, token=token or self.admin)
        self.assertEqual(st, 201, body)
        return body

    def sync(self, system, data, token=None):
        return self.req("POST", API + "/reservation/%s/sync" % system["id"], data,
                        token=token or self.admin)

    # systems
    def test_create_system_shape(self):
        s = self.create_system()
        for k in ("id", "name", "type", "provider", "status", "store_id", "config",
                  "webhook_url", "webhook_secret", "created_at", "updated_at"):
            self.assertIn(k, s)
        self.assertEqual(s["status"], "inactive")
        self.assertEqual(s["name"], "易订预订管理系统")
        self.assertTrue(s["webhook_secret"].startswith("whsec_"))
        self.assertEqual(s["config"]["api_key"], "****_key")
        self.assertEqual(s["webhook_url"],
                         self.sc.url + API + "/webhooks/reservation/" + s["id"])
        st, _, got = self.req("GET", API + "/systems/" + s["id"], token=self.sc.token("staff"))
        self.assertEqual(st, 200)
        self.assertNotIn("webhook_secret", got)
        self.assertEqual(got["config"]["api_key"], "****_key")
        st, _, lst = self.req("GET", API + "/systems", token=self.sc.token("staff"))
        self.assertEqual(st, 200)
        self.assertEqual([x["id"] for x in lst["systems"]], [s["id"]])
        self.assertNotIn("webhook_secret", lst["systems"][0])
        # The secret is stored, never shown again, and the api_key is stored unmasked.
        stored = pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))
        self.assertEqual(stored["webhook_secret"], s["webhook_secret"])
        self.assertEqual(json.loads(stored["config"])["api_key"], "your_yiding_api_key")

    def test_create_system_validation(self):
        self.assertError(self.req("POST", API + "/systems", {"store_id": "store-001"},
                                  token=self.admin), 400, mentions="name is required")
        self.assertError(self.req("POST", API + "/systems", {"name": 5, "store_id": "store-001"},
                                  token=self.admin), 400, mentions="invalid name: must be")
        self.assertError(self.req("POST", API + "/systems", {"name": "x"}, token=self.admin),
                         400, mentions="store_id is required")
        self.assertError(self.req("POST", API + "/systems", {"name": "x", "store_id": ""},
                                  token=self.admin), 400, mentions="invalid store_id: must be")
        self.assertError(self.req("POST", API + "/systems",
                                  {"name": "x", "store_id": "s1", "config": [1]},
                                  token=self.admin), 400, mentions="config")
        self.assertError(self.req("POST", API + "/systems", b"{not json", token=self.admin),
                         400, code="invalid_json")
        self.assertError(self.req("POST", API + "/systems", {"name": "x", "name2": 1},
                                  token=self.admin), 400)
        # duplicate keys are refused
        self.assertError(self.req("POST", API + "/systems",
                                  b'{"name":"a","name":"b","store_id":"s"}', token=self.admin),
                         400, code="invalid_json")

    def test_systems_roles_and_stores(self):
        self.assertError(self.req("POST", API + "/systems", {"name": "x", "store_id": "store-001"},
                                  token=self.sc.token("staff")), 403)
        self.assertError(self.req("POST", API + "/systems", {"name": "x", "store_id": "store-001"},
                                  token=self.sc.token("floor_manager")), 403)
        self.assertError(self.req("POST", API + "/systems", {"name": "x", "store_id": "store-001"},
                                  token=self.sc.token("store_manager", ["store-002"])), 403)
        s1 = self.create_system("store-001", token=self.sc.token("store_manager", ["store-001"]))
        s2 = self.create_system("store-002")
        t1 = self.sc.token("staff", ["store-001"])
        st, _, lst = self.req("GET", API + "/systems", token=t1)
        self.assertEqual([x["id"] for x in lst["systems"]], [s1["id"]])
        self.assertEqual(self.req("GET", API + "/systems/" + s1["id"], token=t1)[0], 200)
        self.assertError(self.req("GET", API + "/systems/" + s2["id"], token=t1), 403)
        self.assertError(self.req("GET", API + "/systems?store_id=store-002", token=t1), 403)
        self.assertError(self.req("GET", API + "/systems/nope", token=t1), 404)

    def test_system_test_endpoint(self):
        s = self.create_system(config={"api_key": "k"})
        self.assertError(self.req("POST", API + "/systems/%s/test" % s["id"],
                                  token=self.sc.token("customer_manager")), 403)
        st, _, body = self.req("POST", API + "/systems/%s/test" % s["id"],
                               token=self.sc.token("store_manager"))
        self.assertEqual(st, 200, body)
        self.assertIs(body["success"], False)
        self.assertEqual(body["status"], "error")
        self.assertIn("api_endpoint", body["message"])
        self.assertEqual(pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))["status"], "error")
        self.assertError(self.req("POST", API + "/systems/unknown-1/test", token=self.admin), 404)

    # sync
    def test_sync_single_types_and_chinese(self):
        s = self.create_system()
        data = dict(SEED, table_number=None)
        st, _, body = self.sync(s, data)
        self.assertEqual(st, 201, body)
        self.assertEqual(body["result"], "created")
        res = body["reservation"]
        # every contract field, in model order (fields added later come after)
        self.assertEqual(list(res.keys())[:len(FIELDS)], FIELDS)
        self.assertIsInstance(res["customer_count"], int)
        self.assertEqual(res["customer_count"], 4)
        self.assertIsInstance(res["deposit_amount"], float)
        self.assertEqual(res["deposit_amount"], 200.0)
        self.assertIs(res["deposit_required"], True)
        self.assertIs(res["deposit_paid"], True)
        self.assertIsNone(res["arrival_time"])
        self.assertIsNone(res["table_number"])
        self.assertIsNone(res["sync_status"])
        for k in FIELDS:
            if res[k] is not None and k not in ("customer_count", "deposit_amount",
                                                "deposit_required", "deposit_paid"):
                self.assertIsInstance(res[k], str, k)
        self.assertEqual(res["external_reservation_id"], "yiding_res_001")
        self.assertEqual(res["system_id"], s["id"])
        self.assertEqual(res["store_id"], "store-001")
        for k in ("customer_name", "table_type", "area", "special_requirements", "notes",
                  "channel"):
            self.assertEqual(res[k], SEED[k])
        # Chinese text is sent as UTF-8, not \u escapes, and stored byte for byte.
        raw = self.r.call("HGET", "resv:{store-001}:r:RES-2024-001", "customer_name")
        self.assertEqual(raw, "张三")
        # the same again: unchanged, 200; a change: updated
        st, _, body = self.sync(s, SEED)
        self.assertEqual((st, body["result"]), (200, "unchanged"))
        st, _, body = self.sync(s, dict(SEED, customer_count=6, deposit_amount=150.5))
        self.assertEqual((st, body["result"]), (200, "updated"))
        self.assertEqual(body["reservation"]["customer_count"], 6)
        self.assertEqual(body["reservation"]["deposit_amount"], 150.5)
        # the raw body is the payload of the audit entry (test_api_promises: a webhook's
        # unknown provider fields live on there; the sync endpoint refuses them)
        st, _, h = self.req("GET", API + "/reservation/RES-2024-001/history", token=self.admin)
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(h["history"][0]["payload"])["customer_name"], "张三")

    def test_sync_errors(self):
        s = self.create_system()
        self.assertError(self.sync(s, dict(SEED, customer_name={"a": 1})), 400,
                         mentions="customer_name")
        self.assertError(self.sync(s, dict(SEED, notes=[1, 2])), 400, mentions="notes")
        self.assertError(self.sync(s, {"customer_name": "x"}), 400, mentions="reservation_id")
        self.assertError(self.sync(s, dict(SEED, customer_count=0)), 400,
                         mentions="customer_count")
        self.assertError(self.sync(s, dict(SEED, reservation_date="2024-13-40")), 400,
                         mentions="reservation_date")
        self.assertError(self.sync(s, [1, 2]), 400)
        # roles: staff and floor_manager may not sync; customer_manager may
        self.assertError(self.sync(s, SEED, token=self.sc.token("staff")), 403)
        self.assertError(self.sync(s, SEED, token=self.sc.token("floor_manager")), 403)
        st, _, _ = self.sync(s, SEED, token=self.sc.token("customer_manager"))
        self.assertEqual(st, 201)
        # store claim
        self.assertError(self.sync(s, SEED, token=self.sc.token("admin", ["store-002"])), 403)
        # unknown system
        self.assertError(self.req("POST", API + "/reservation/no-such-system/sync", SEED,
                                  token=self.admin), 404)
        # the same reservation_id under another store: conflict
        s2 = self.create_system("store-002")
        self.assertError(self.sync(s2, SEED), 409)

    def test_bulk_sync(self):
        s = self.create_system()
        items = [dict(SEED, reservation_id="B-%d" % i) for i in range(5)]
        items[2]["customer_count"] = "lots"
        items[3] = "not an object"
        st, _, body = self.sync(s, {"reservations": items})
        self.assertEqual(st, 200, body)
        res = body["results"]
        self.assertEqual([x["index"] for x in res], [0, 1, 2, 3, 4])
        self.assertEqual(res[0]["result"], "created")
        self.assertEqual(res[1]["result"], "created")
        self.assertEqual(res[2]["error"]["code"], "bad_request")
        self.assertIn("customer_count", res[2]["error"]["message"])
        self.assertEqual(res[2]["reservation_id"], "B-2")
        self.assertIn("error", res[3])
        self.assertEqual(res[4]["result"], "created")
        self.assertEqual((body["created"], body["failed"]), (3, 2))
        # again: unchanged, and the stored payload is the item itself
        st, _, body = self.sync(s, {"reservations": [items[0]]})
        self.assertEqual(body["results"][0]["result"], "unchanged")
        st, _, h = self.req("GET", API + "/reservation/B-0/history", token=self.admin)
        self.assertEqual(json.loads(h["history"][0]["payload"]), items[0])
        # over the limit
        big = [{"reservation_id": "X-%d" % i} for i in range(1001)]
        self.assertError(self.sync(s, {"reservations": big}), 400, mentions="1000")
        self.assertError(self.sync(s, {"reservations": {"a": 1}}), 400, mentions="reservations")

    # reading
    def seed_store(self, n=5):
        s = self.create_system()
        items = []
        for i in range(n):
            items.append(dict(SEED, reservation_id="L-%d" % i,
                              reservation_date="2024-02-%02d" % (15 + i),
                              status="pending" if i % 2 else "confirmed"))
        st, _, body = self.sync(s, {"reservations": items})
        self.assertEqual(body["created"], n, body)
        return s

    def test_list_filters_and_pagination(self):
        self.seed_store(5)
        st, _, body = self.req("GET", API + "/reservation/list?store_id=store-001",
                               token=self.sc.token("staff"))
        self.assertEqual(st, 200)
        self.assertEqual(body["count"], 5)
        self.assertIsNone(body["next_cursor"])
        self.assertEqual([x["reservation_id"] for x in body["reservations"]],
                         ["L-%d" % i for i in range(5)])
        seen, cursor = [], None
        while True:
            q = "?store_id=store-001&limit=2" + ("&cursor=" + cursor if cursor else "")
            st, _, body = self.req("GET", API + "/reservation/list" + q, token=self.admin)
            self.assertEqual(st, 200, body)
            self.assertLessEqual(body["count"], 2)
            seen += [x["reservation_id"] for x in body["reservations"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, ["L-%d" % i for i in range(5)])
        st, _, body = self.req("GET", API + "/reservation/list?store_id=store-001&status=pending",
                               token=self.admin)
        self.assertEqual([x["reservation_id"] for x in body["reservations"]], ["L-1", "L-3"])
        st, _, body = self.req("GET", API + "/reservation/list?store_id=store-001"
                               "&date_from=2024-02-16T00:00:00&date_to=2024-02-17",
                               token=self.admin)
        self.assertEqual([x["reservation_id"] for x in body["reservations"]], ["L-1", "L-2"])
        for q, name in (("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"),
                        ("status=bogus", "status"), ("date_from=2024-02", "date_from"),
                        ("date_to=yesterday", "date_to")):
            self.assertError(self.req("GET", API + "/reservation/list?store_id=store-001&" + q,
                                      token=self.admin), 400, mentions=name)
        self.assertError(self.req("GET", API + "/reservation/list", token=self.admin), 400,
                         mentions="store_id")
        t1 = self.sc.token("staff", ["store-001"])
        self.assertEqual(self.req("GET", API + "/reservation/list?store_id=store-001",
                                  token=t1)[0], 200)
        self.assertError(self.req("GET", API + "/reservation/list?store_id=store-002",
                                  token=t1), 403)

    def test_get_stats_tables(self):
        self.seed_store(3)
        st, _, res = self.req("GET", API + "/reservation/L-1", token=self.sc.token("staff"))
        self.assertEqual(st, 200)
        self.assertEqual(res["reservation_id"], "L-1")
        # every contract field, in model order (fields added later come after)
        self.assertEqual(list(res.keys())[:len(FIELDS)], FIELDS)
        self.assertError(self.req("GET", API + "/reservation/NOPE", token=self.admin), 404)
        self.assertError(self.req("GET", API + "/reservation/L-1",
                                  token=self.sc.token("staff", ["store-002"])), 403)
        # a cancelled party's guests leave covers and are counted apart
        self.assertEqual(self.req("PUT", API + "/reservation/L-2/status?status=cancelled",
                                  token=self.admin)[0], 200)
        st, _, stats = self.req("GET", API + "/reservation/stats?store_id=store-001"
                                "&date_from=2024-02-15&date_to=2024-02-17&bucket=1440",
                                token=self.admin)
        self.assertEqual(st, 200, stats)
        self.assertEqual((stats["total"], stats["covers"], stats["covers_cancelled"],
                          stats["covers_no_show"]), (3, 8, 4, 0))
        self.assertEqual((stats["confirmed"], stats["pending"], stats["cancelled"]), (1, 1, 1))
        self.assertEqual([(b["covers"], b["covers_cancelled"]) for b in stats["buckets"]],
                         [(4, 0), (4, 0), (0, 4)])
        st, _, slots = self.req("GET", API + "/reservation/stats?store_id=store-001"
                                "&date_from=2024-02-15&date_to=2024-02-17&bucket=slot",
                                token=self.admin)
        self.assertEqual(st, 200, slots)
        self.assertEqual(sum(b["total"] for b in slots["buckets"]), 3)
        self.assertTrue(all(b["start"][14:16] in ("00", "30") for b in slots["buckets"]), slots)
        self.assertError(self.req("GET", API + "/reservation/stats?store_id=store-001",
                                  token=self.admin), 400, mentions="date_from")
        self.assertError(self.req("GET", API + "/reservation/stats?store_id=store-001"
                                  "&date_from=2024-02-15&date_to=2024-02-17&bucket=0",
                                  token=self.admin), 400, mentions="bucket")
        self.assertError(self.req("GET", API + "/reservation/stats?store_id=store-002"
                                  "&date_from=2024-02-15&date_to=2024-02-17",
                                  token=self.sc.token("admin", ["store-001"])), 403)
        st, _, t = self.req("GET", API + "/reservation/tables?store_id=store-001",
                            token=self.admin)
        self.assertEqual((st, t["tables"]), (200, []))
        self.assertError(self.req("GET", API + "/reservation/tables?store_id=store-002",
                                  token=self.sc.token("staff", ["store-001"])), 403)

    def test_status_flow(self):
        s = self.create_system()
        self.sync(s, dict(SEED, reservation_id="S-1", status="confirmed"))
        self.sync(s, dict(SEED, reservation_id="S-2", status="confirmed"))
        self.sync(s, dict(SEED, reservation_id="S-3", status="pending"))
        fm = self.sc.token("floor_manager")
        path = API + "/reservation/%s/status?%s"
        self.assertError(self.req("PUT", path % ("S-1", "status=arrived"),
                                  token=self.sc.token("customer_manager")), 403)
        self.assertError(self.req("PUT", path % ("S-1", "status=arrived"),
                                  token=self.sc.token("staff")), 403)
        self.assertError(self.req("PUT", path % ("S-1", "status=arrived"),
                                  token=self.sc.token("store_manager", ["store-002"])), 403)
        self.assertError(self.req("PUT", path % ("S-1", "x=1"), token=fm), 400, mentions="status")
        self.assertError(self.req("PUT", path % ("S-1", "status=eating"), token=fm), 400,
                         mentions="status")
        self.assertError(self.req("PUT", path % ("S-1", "status=arrived&arrival_time=soon"),
                                  token=fm), 400, mentions="arrival_time")
        self.assertError(self.req("PUT", path % ("NOPE", "status=arrived"), token=fm), 404)
        st, _, r = self.req("PUT", path % ("S-1", "status=arrived&arrival_time=2024-02-15T18:05:00"),
                            token=fm)
        self.assertEqual(st, 200, r)
        self.assertEqual((r["status"], r["arrival_time"]), ("arrived", "2024-02-15T18:05:00"))
        st, _, r = self.req("PUT", path % ("S-1", "status=seated&table_number=A08"), token=fm)
        self.assertEqual((st, r["status"], r["table_number"]), (200, "seated", "A08"))
        # a table held by another seated party
        self.req("PUT", path % ("S-2", "status=arrived"), token=fm)
        self.assertError(self.req("PUT", path % ("S-2", "status=seated&table_number=A08"),
                                  token=fm), 409, mentions="A08")
        # not a transition of the table
        self.assertError(self.req("PUT", path % ("S-3", "status=completed"), token=fm), 409)
        st, _, t = self.req("GET", API + "/reservation/tables?store_id=store-001", token=fm)
        self.assertEqual([x["table_number"] for x in t["tables"]], ["A08"])
        self.assertEqual(t["tables"][0]["customer_count"], 4)
        st, _, h = self.req("GET", API + "/reservation/S-1/history", token=self.admin)
        self.assertEqual(st, 200)
        self.assertEqual([e["origin"] for e in h["history"]], ["sync", "api", "api"])
        self.assertEqual(h["history"][1]["actor"], "tester")
        st, _, h = self.req("GET", API + "/reservation/S-1/history?count=1", token=self.admin)
        self.assertEqual(len(h["history"]), 1)
        self.assertError(self.req("GET", API + "/reservation/S-1/history?count=0",
                                  token=self.admin), 400, mentions="count")

    # auth
    def test_auth_failures(self):
        path = API + "/reservation/list?store_id=store-001"
        self.assertError(self.req("GET", path), 401)
        self.assertError(self.req("GET", path, token=self.sc.token("admin", ttl=-10)), 401)
        self.assertError(self.req("GET", path, headers={"Authorization": "Basic abc"}), 401)
        self.assertError(self.req("GET", path, token="a.b.c"), 401)
        forged = make_jwt(b"another secret", {"sub": "x", "role": "admin",
                                              "exp": int(time.time()) + 60})
        self.assertError(self.req("GET", path, token=forged), 401)
        self.assertError(self.req("GET", path, token=make_jwt(
            self.sc.secret, {"sub": "x", "role": "emperor", "exp": int(time.time()) + 60})), 401)
        self.assertError(self.req("GET", path, token=make_jwt(
            self.sc.secret, {"sub": "x", "role": "admin"})), 401)
        self.assertEqual(self.req("GET", path, token=self.admin)[0], 200)

    # webhooks
    def webhook(self, system, payload, msg_id="msg_1", secret=None, timestamp=None, raw=None,
                headers=None):
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        h = webhook_headers(secret or system["webhook_secret"], msg_id, body, timestamp)
        if headers is not None:
            h = headers
        return self.req("POST", API + "/webhooks/reservation/%s" % system["id"], body,
                        headers=h)

    def test_webhook_events_and_replay(self):
        s = self.create_system()
        created = {"event": "reservation.created", "data": dict(SEED, status="pending",
                                                                 yiding_extra="kept in payload")}
        st, _, body = self.webhook(s, created, "msg_1")
        self.assertEqual(st, 200, body)
        self.assertEqual(body, {"received": True, "event": "reservation.created",
                                "reservation_id": "RES-2024-001", "result": "created"})
        # the same delivery again: acknowledged, not applied again
        st, _, body = self.webhook(s, created, "msg_1")
        self.assertEqual(st, 200, body)
        self.assertIs(body["duplicate"], True)
        st, _, h = self.req("GET", API + "/reservation/RES-2024-001/history", token=self.admin)
        self.assertEqual(len(h["history"]), 1)
        self.assertEqual(h["history"][0]["origin"], "webhook")
        self.assertEqual(h["history"][0]["actor"], "webhook:" + s["id"])
        # partial update merges
        st, _, body = self.webhook(s, {"event": "reservation.updated", "data": {
            "reservation_id": "RES-2024-001", "customer_count": 6}}, "msg_2")
        self.assertEqual((st, body["result"]), (200, "updated"))
        st, _, r = self.req("GET", API + "/reservation/RES-2024-001", token=self.admin)
        self.assertEqual((r["customer_count"], r["customer_name"]), (6, "张三"))
        # cancel with only the id
        st, _, body = self.webhook(s, {"event": "reservation.cancelled",
                                       "data": {"reservation_id": "RES-2024-001"}}, "msg_3")
        self.assertEqual((st, body["result"]), (200, "updated"))
        st, _, r = self.req("GET", API + "/reservation/RES-2024-001", token=self.admin)
        self.assertEqual(r["status"], "cancelled")
        st, _, h = self.req("GET", API + "/reservation/RES-2024-001/history", token=self.admin)
        self.assertEqual(len(h["history"]), 3)
        self.assertIn("kept in payload", h["history"][0]["payload"])

    def test_webhook_rejections(self):
        s = self.create_system()
        payload = {"event": "reservation.created", "data": SEED}
        body = json.dumps(payload).encode()
        # tampered body under headers signed for the original
        h = webhook_headers(s["webhook_secret"], "msg_t", body)
        tampered = body.replace(b'"customer_count": 4', b'"customer_count": 40')
        self.assertNotEqual(tampered, body)
        self.assertError(self.req("POST", API + "/webhooks/reservation/" + s["id"], tampered,
                                  headers=h), 401)
        # old timestamp, correctly signed
        self.assertError(self.webhook(s, payload, "msg_o", timestamp=int(time.time()) - 3600),
                         401)
        # no signature headers at all; wrong secret
        self.assertError(self.webhook(s, payload, headers={}), 401)
        self.assertError(self.webhook(s, payload, secret="whsec_" + "QUFBQQ==" * 4), 401)
        self.assertEqual(self.req("GET", API + "/reservation/RES-2024-001",
                                  token=self.admin)[0], 404)
        # unknown system, unknown event, bad data
        self.assertError(self.req("POST", API + "/webhooks/reservation/no-such", body,
                                  headers=h), 404)
        st, _, ack = self.webhook(s, {"event": "reservation.eaten", "data": SEED}, "m4")
        self.assertEqual((st, ack.get("ignored")), (200, True), ack)
        self.assertError(self.webhook(s, {"event": 7, "data": SEED}, "m4b"), 400,
                         mentions="invalid event: must be a string")
        self.assertError(self.webhook(s, {"data": SEED}, "m4c"), 400,
                         mentions="event is required")
        self.assertError(self.webhook(s, {"event": "reservation.created"}, "m5"), 400,
                         mentions="data is required")
        self.assertError(self.webhook(s, {"event": "reservation.created", "data": []}, "m5b"),
                         400, mentions="invalid data: must be a JSON object")
        self.assertError(self.webhook(s, {"event": "reservation.created",
                                          "data": {"reservation_id": []}}, "m5c"),
                         400, mentions="invalid data.reservation_id")
        self.assertError(self.webhook(s, None, "m6", raw=b"{oops"), 400, code="invalid_json")

    def test_webhook_unsigned_system(self):
        s = self.create_system(config={"webhook_signature": "none"})
        st, _, body = self.req("POST", API + "/webhooks/reservation/" + s["id"],
                               {"event": "reservation.created", "data": SEED})
        self.assertEqual((st, body["result"]), (200, "created"), body)

    # errors of the HTTP layer
    def test_routes_and_json_errors(self):
        self.assertError(self.req("GET", "/nope"), 404)
        self.assertError(self.req("GET", API + "/systems/a/b/c"), 404)
        st, h, body = self.req("DELETE", API + "/systems", token=self.admin)
        self.assertEqual(st, 405, body)
        self.assertIn("GET", h["allow"])
        self.assertIn("POST", h["allow"])
        self.assertError(self.req("POST", API + "/reservation/list", {}, token=self.admin), 405)
        self.assertError(self.req("GET", API + "/reservation/x/sync", token=self.admin), 405)
        for deep in (b"[" * 100 + b"]" * 100, b"[" * 100000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
            self.assertError(self.req("POST", API + "/systems", deep, token=self.admin), 400,
                             code="invalid_json")
        self.assertError(self.req("POST", API + "/systems", b"", token=self.admin), 400)
        self.assertError(self.req("POST", API + "/systems", b'"just a string"',
                                  token=self.admin), 400)
        self.assertError(self.req("POST", API + "/systems", b'{"name":"\xff\xfe"}',
                                  token=self.admin), 400)
        # a path id that is not an id
        self.assertError(self.req("GET", API + "/reservation/a%7Bb%7D", token=self.admin), 400)
        self.assertError(self.req("GET", API + "/reservation/a%00b", token=self.admin), 404)

    def test_health_openapi_metrics(self):
        st, _, body = self.req("GET", "/healthz")
        self.assertEqual((st, body), (200, {"status": "ok", "redis": "up"}))
        st, _, body = self.req("GET", "/openapi.json")
        self.assertIn(st, (200, 404))
        if st == 200:
            self.assertIn("openapi", body)
        st, h, text = self.req("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertIn("text/plain", h["content-type"])
        self.assertIn("resv_sidecar_redis_up 1", text)
        self.assertIn('resv_sidecar_http_requests_total{code="2xx"}', text)


if __name__ == "__main__":
    unittest.main()

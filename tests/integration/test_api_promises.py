"""Issue 9: the API keeps the promises of contract section 4 and openapi.json. Strict
input on our own API (unknown and server-set fields, JSON types, unknown query
parameters, NUL characters, lengths in characters), lenient webhooks (unknown events
acknowledged), error messages naming what the caller wrote."""
import json
import os
import re
import socket
import sys
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar, webhook_headers  # noqa: E402

ITEM = {"reservation_id": "P-1", "customer_name": "张三", "customer_count": 4,
        "reservation_date": "2024-02-15", "reservation_time": "18:00-20:00",
        "deposit_amount": 200.0, "deposit_paid": True}


class ApiPromisesTest(unittest.TestCase):
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
        st, _, self.sys = self.req("POST", API + "/systems", {
            "name": "易订", "store_id": "s1", "config": {"api_endpoint": "http://127.0.0.1:9"}})
        self.assertEqual(201, st, self.sys)

    def req(self, method, path, body=None, headers=None, token=True):
        return self.sc.request(method, path, body=body, headers=headers,
                               token=self.admin if token else None)

    def sync(self, body):
        return self.req("POST", API + "/reservation/%s/sync" % self.sys["id"], body)

    def refused(self, resp, names, status=400):
        """The reply is the JSON error object with status, naming `names` (as the caller
        wrote them), and nothing was written."""
        st, _, body = resp
        self.assertEqual(status, st, body)
        msg = body["error"]["message"]
        self.assertIn(names, msg, body)
        for internal in ("ARRIVAL", "CURSOR", "JSON_ALLOW_NUL", "jansson", "libevent"):
            self.assertNotIn(internal, msg, body)
        return msg

    def test_sync_refuses_unknown_and_server_set_fields(self):
        for field in ("unknown_provider_field", "id", "store_id", "created_at", "sync_status",
                      "synced_at", "sync_error", "Customer_Name"):
            with self.subTest(field=field):
                msg = self.refused(self.sync(dict(ITEM, **{field: "x"})), field)
                self.assertRegex(msg, "not a field|set by the server")
        self.refused(self.sync(dict(ITEM, system_id="another")), "system_id")
        self.refused(self.sync(dict(ITEM, external_id="a", external_reservation_id="b")),
                     "external_id")
        self.assertEqual([], self.r.call("KEYS", "resv:{s1}:r:*"))
        # what the caller may set: the documented input fields, system_id of the path
        st, _, body = self.sync(dict(ITEM, system_id=self.sys["id"], external_id="e-1",
                                     updated_at="2024-02-14T10:00:00", table_number=None))
        self.assertEqual(201, st, body)
        self.assertEqual("e-1", body["reservation"]["external_reservation_id"])

    def test_sync_json_types_are_strict(self):
        cases = [("reservation_id", 2002), ("customer_name", 7), ("deposit_amount", "200"),
                 ("customer_count", "4"), ("customer_count", 4.5), ("deposit_paid", "true"),
                 ("deposit_required", 1), ("reservation_date", True), ("notes", [1])]
        for field, value in cases:
            with self.subTest(field=field, value=value):
                self.refused(self.sync(dict(ITEM, **{field: value})), field)
        self.assertEqual([], self.r.call("KEYS", "resv:{s1}:r:*"))
        # integers are numbers; null leaves a field out
        st, _, body = self.sync(dict(ITEM, deposit_amount=150, notes=None))
        self.assertEqual(201, st, body)
        self.assertEqual(150.0, body["reservation"]["deposit_amount"])

    def test_bulk_items_are_strict_and_named(self):
        st, _, body = self.sync({"reservations": [
            dict(ITEM, reservation_id="B-1"), dict(ITEM, reservation_id="B-2", created_at="x"),
            dict(ITEM, reservation_id="B-3", customer_count="4")]})
        self.assertEqual(200, st, body)
        self.assertEqual([True, False, False], ["result" in x for x in body["results"]])
        self.assertIn("created_at", body["results"][1]["error"]["message"])
        self.assertIn("customer_count", body["results"][2]["error"]["message"])
        self.refused(self.sync({"reservations": [], "dry_run": True}), "dry_run")

    def test_nul_character_named_without_library_words(self):
        raw = json.dumps(dict(ITEM, notes="a\u0000b")).encode()
        self.refused(self.sync(raw), "notes")
        raw = json.dumps({"reservations": [ITEM, dict(ITEM, customer_name="\u0000")]}).encode()
        self.refused(self.sync(raw), "reservations[1].customer_name")
        self.refused(self.req("GET", API + "/reservation/list?store_id=s1%00x"), "store_id")

    def test_lengths_count_characters(self):
        name = "张" * 128  # 384 bytes, 128 characters: maxLength 128
        st, _, body = self.sync(dict(ITEM, customer_name=name))
        self.assertEqual(201, st, body)
        self.assertEqual(name, body["reservation"]["customer_name"])
        msg = self.refused(self.sync(dict(ITEM, customer_name=name + "张")), "customer_name")
        self.assertIn("128 characters", msg)
        rid = "店" * 128
        st, _, body = self.sync(dict(ITEM, reservation_id=rid))
        self.assertEqual(201, st, body)
        self.assertEqual(200, self.req("GET", API + "/reservation/" + quote(rid))[0])

    def test_unknown_query_parameters(self):
        self.sync(ITEM)
        cases = [
            ("GET", API + "/reservation/list?store_id=s1&customer_phone=5678", "customer_phone"),
            ("GET", API + "/reservation/list?store_id=s1&limit=5&limit=6", "limit"),
            ("GET", API + "/reservation/stats?store_id=s1&date_from=2024-02-15&date_to=2024-02-15"
             "&bucket=60&zone=x", "zone"),
            ("GET", API + "/reservation/tables?store_id=s1&all=1", "all"),
            ("GET", API + "/reservation/P-1?fields=id", "fields"),
            ("GET", API + "/reservation/P-1/history?count=1&from=0", "from"),
            ("PUT", API + "/reservation/P-1/status?status=confirmed&reason=x", "reason"),
            ("GET", API + "/systems?store=s1", "store"),
            ("GET", API + "/systems/%s?verbose" % self.sys["id"], "verbose"),
            ("GET", API + "/sync/failures?store_id=s1&page=2", "page"),
            ("POST", API + "/reservation/%s/sync?dry_run=1" % self.sys["id"], "dry_run"),
            ("GET", "/healthz?deep=1", "deep"),
            ("GET", "/metrics?x=1", "x"),
        ]
        for method, path, name in cases:
            with self.subTest(path=path):
                body = ITEM if method == "POST" else None
                self.refused(self.req(method, path, body), name)
        # the list the parameter was meant to filter is never answered wider
        st, _, body = self.req("GET", API + "/reservation/list?store_id=s1")
        self.assertEqual((200, 1), (st, body["count"]))

    def test_status_errors_name_query_parameters(self):
        self.sync(ITEM)
        base = API + "/reservation/P-1/status?"
        self.refused(self.req("PUT", base + "status=seated&arrival_time=2024-02-15T18:00:00"),
                     "arrival_time")
        self.refused(self.req("PUT", base + "status=arrived&table_number=A1"), "table_number")
        self.refused(self.req("GET", API + "/reservation/list?store_id=s1&cursor=zzz"), "cursor")

    def test_webhook_unknown_event_acknowledged_and_logged(self):
        secret = self.sys["webhook_secret"]
        url = API + "/webhooks/reservation/" + self.sys["id"]
        body = json.dumps({"event": "reservation.reminder_sent", "data": {"x": 1}}).encode()
        st, _, ack = self.sc.request("POST", url, body=body,
                                     headers=webhook_headers(secret, "msg-ign-1", body))
        self.assertEqual(200, st, ack)
        self.assertEqual({"received": True, "ignored": True,
                          "event": "reservation.reminder_sent"}, ack)
        self.assertIn("msg-ign-1", self.sc.log())
        self.assertIn("reservation.reminder_sent", self.sc.log())
        # a malformed one stays 400: no event, or a handled event without data
        for bad in ({"data": {}}, {"event": "reservation.created"}):
            raw = json.dumps(bad).encode()
            st, _, err = self.sc.request("POST", url, body=raw,
                                         headers=webhook_headers(secret, "msg-bad", raw))
            self.assertEqual(400, st, err)
        # lenient: a provider's number for a string field and its own fields are taken
        raw = json.dumps({"event": "reservation.created", "data": {
            "reservation_id": 2002, "reservation_date": "2024-02-15", "vip_level": 3}}).encode()
        st, _, ack = self.sc.request("POST", url, body=raw,
                                     headers=webhook_headers(secret, "msg-len", raw))
        self.assertEqual((200, "created"), (st, ack.get("result")), ack)
        st, _, h = self.req("GET", API + "/reservation/2002/history")
        self.assertIn("vip_level", h["history"][0]["payload"])

    def test_log_lines_have_time_and_level_and_say_why_a_webhook_was_refused(self):
        secret = self.sys["webhook_secret"]
        url = API + "/webhooks/reservation/" + self.sys["id"]
        body = json.dumps({"event": "reservation.created", "data": ITEM}).encode()
        h = webhook_headers(secret, "msg-refused-1", body)
        h["webhook-signature"] = "v1,AAAA"
        self.assertEqual(401, self.sc.request("POST", url, body=body, headers=h)[0])
        h = webhook_headers(secret, "msg-refused-2", body, timestamp=1)
        self.assertEqual(401, self.sc.request("POST", url, body=body, headers=h)[0])
        h = webhook_headers(secret, "msg-refused-3", b"{oops")
        self.assertEqual(400, self.sc.request("POST", url, body=b"{oops", headers=h)[0])
        log = self.sc.log()
        for msg_id, why in (("msg-refused-1", "signature"), ("msg-refused-2", "timestamp"),
                            ("msg-refused-3", "invalid JSON")):
            line = [ln for ln in log.splitlines() if msg_id in ln]
            self.assertEqual(1, len(line), log)
            self.assertIn(" WARN ", line[0])
            self.assertIn(why, line[0])
        key = secret.split("_", 1)[1]
        self.assertNotIn(key, log)
        self.assertNotIn(secret, log)
        lines = log.splitlines()
        for ln in lines[1:] if len(log) >= 4000 else lines:  # log() keeps the last 4000
            self.assertRegex(ln, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|ERROR) ")

    def test_metrics_show_the_module_gauges(self):
        self.sync(dict(ITEM, status="confirmed"))
        self.assertEqual(200, self.req("PUT", API + "/reservation/P-1/status?status=arrived")[0])
        st, _, text = self.req("GET", "/metrics", token=False)
        self.assertEqual(200, st)
        info = dict(ln.split(":", 1) for ln in self.r.call("INFO", "resv").splitlines()
                    if ln.startswith("resv_"))
        for name in ("resv_outbox_entries", "resv_outbox_stores",
                     "resv_outbox_oldest_age_seconds", "resv_sync_failures"):
            self.assertIn("# TYPE %s gauge" % name, text)
            self.assertRegex(text, r"\n%s \d+\n" % name)
        self.assertIn("\nresv_outbox_entries %s\n" % info["resv_outbox_entries"], text)
        self.assertIn("\nresv_outbox_entries 1\n", text)

    def test_system_create_is_strict(self):
        self.refused(self.req("POST", API + "/systems", {
            "name": "x", "store_id": "s1", "webhook_secret": "whsec_mine"}), "webhook_secret")
        self.refused(self.req("POST", API + "/systems", {"name": "张" * 129, "store_id": "s1"}),
                     "name")
        st, _, body = self.req("POST", API + "/systems", {"name": "张" * 128, "store_id": "s1"})
        self.assertEqual(201, st, body)


    # ---- the replies libevent writes itself are JSON too

    def raw(self, head, body_parts=()):
        """Sends head then each part (a client that keeps sending), then reads the whole
        reply; -> (status, headers, JSON body), the send error aside."""
        s = socket.create_connection(("127.0.0.1", self.sc.port), timeout=30)
        try:
            s.sendall(head)
            for part in body_parts:
                try:
                    s.sendall(part)
                except OSError:
                    break  # closed after the reply: the reply must still be readable
            got = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        finally:
            s.close()
        head_, _, body = got.partition(b"\r\n\r\n")
        lines = head_.decode("latin-1").split("\r\n")
        hdrs = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        self.assertIn("application/json", hdrs.get("content-type", ""), got[:300])
        self.assertEqual(int(hdrs["content-length"]), len(body), got[:300])
        return int(lines[0].split()[1]), hdrs, json.loads(body)

    def assertErrorObject(self, reply, status, code, mentions):
        st, _, doc = reply
        self.assertEqual(status, st, doc)
        self.assertEqual(code, doc["error"]["code"], doc)
        self.assertIn(mentions, doc["error"]["message"], doc)

    def test_body_over_the_limit_is_json_413_read_by_a_sending_client(self):
        url = (API + "/reservation/%s/sync" % self.sys["id"]).encode()
        size = 3 * 1024 * 1024
        head = (b"POST " + url + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                self.admin.encode() + b"\r\nContent-Length: %d\r\n\r\n" % size)
        # the whole body, sent in pieces as a client streaming a file would
        parts = [b"x" * 65536] * (size // 65536)
        self.assertErrorObject(self.raw(head, parts), 413, "payload_too_large", "1048576 bytes")
        # a chunked body over the limit: answered as soon as it is over
        head = b"POST " + url + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        parts = [b"10000\r\n" + b"y" * 65536 + b"\r\n"] * 40 + [b"0\r\n\r\n"]
        self.assertErrorObject(self.raw(head, parts), 413, "payload_too_large", "1048576 bytes")
        # the server is fine, and the 413s were counted
        st, _, text = self.req("GET", "/metrics", token=False)
        self.assertIn('resv_sidecar_http_requests_total{code="4xx"}', text)
        self.assertIn("answered by the HTTP layer", self.sc.log())

    def test_head_reply_has_no_body(self):
        s = socket.create_connection(("127.0.0.1", self.sc.port), timeout=10)
        s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        first, _, rest = got.partition(b"\r\n\r\n")
        self.assertTrue(first.startswith(b"HTTP/1.1 405"), got)
        # the next bytes are the second reply, not a body of the first
        self.assertTrue(rest.startswith(b"HTTP/1.1 200"), got)

    def test_oversized_headers_and_unknown_methods_are_json(self):
        big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 20000 + b"\r\n\r\n"
        self.assertErrorObject(self.raw(big), 400, "bad_request", "16384 bytes")
        self.assertErrorObject(self.raw(b"GET " + b"/a" * 20000 + b" HTTP/1.1\r\n\r\n"), 400,
                               "bad_request", "malformed")
        self.assertErrorObject(self.raw(b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 501,
                               "not_implemented", "method")
        # an ordinary request on the same server is unchanged
        st, _, body = self.req("GET", "/healthz", token=False)
        self.assertEqual((200, "ok"), (st, body["status"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)

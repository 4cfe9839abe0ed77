"""docs/openapi.json itself: its schemas are valid JSON Schema, its patterns compile in
a JavaScript validator's Unicode mode, it describes exactly the routes and query
parameters of sidecar/routes.c, and the response checker every suite runs through
(openapi_check, via sidecar_harness) does refuse what the document does not describe.
The responses themselves are checked in every suite that uses the harness."""
import json
import os
import re
import sys
import unittest

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC_PATH = os.path.join(ROOT, "docs", "openapi.json")


def route_table():
    """(method, path template, [query names]) of sidecar/routes.c's table."""
    src = open(os.path.join(ROOT, "sidecar", "routes.c"), encoding="utf-8").read()
    lists = {name: re.findall(r'"([^"]+)"', body)
             for name, body in re.findall(r"static const char \*const (q\w+)\[\] = \{(.*?)\};",
                                          src, re.S)}
    out = []
    for method, api, path, qname in re.findall(
            r'\{EVHTTP_REQ_(\w+),\s*(API\s*)?"([^"]+)",.*?,\s*(q\w+)\}', src, re.S):
        full = ("/api/v1/integrations" if api else "") + path
        out.append((method.lower(), full, lists[qname]))
    return out


class OpenapiDocumentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOC_PATH, encoding="utf-8") as f:
            cls.text = f.read()
        cls.doc = openapi_check.document(cls.text)

    def test_schemas_are_valid_json_schema(self):
        for name, schema in self.doc.doc["components"]["schemas"].items():
            with self.subTest(schema=name):
                jsonschema.Draft4Validator.check_schema(schema)

    def test_patterns_compile_in_unicode_mode(self):
        found = list(openapi_check.patterns(self.doc.raw))
        self.assertGreater(len(found), 20)
        for where, pattern in found:
            with self.subTest(where=where):
                self.assertIsNone(openapi_check.ecma_unicode_problem(pattern), pattern)
                re.compile(pattern)
        # the checker refuses what the u flag refuses
        for bad in ('^[^\\s\\"]+$', "^a{$", "^\\q$", "^[a-z]]$", "^\\-$"):
            self.assertIsNotNone(openapi_check.ecma_unicode_problem(bad), bad)

    def test_id_pattern_is_the_model_rule(self):
        schema = self.doc.doc["components"]["schemas"]["Reservation"]["properties"]["reservation_id"]
        rx = re.compile(schema["pattern"])
        for ok in ("RES-2024-001", "a:b@c.d_e", "张三", "门店-001", "😀"):
            self.assertTrue(rx.match(ok), ok)
        for bad in ("{s}", "a b", "a/b", "a\\b", "a?b", "a#b", "a%b", 'a"b', "a'b", "a,b",
                    "a+b", "a\tb", "a|b", "a~b", "a;b", "a<b", "a[b", "a^b", "a`b"):
            self.assertFalse(rx.match(bad), bad)

    def test_inputs_accept_what_the_server_accepts(self):
        """A bare date is a reservation_date the server takes (http-api.md's front-desk
        example sends one); a join is of tables: no empty one, no '+'."""
        schemas = self.doc.doc["components"]["schemas"]
        for name in ("BookingInput", "BookingChange", "ReservationInput"):
            v = jsonschema.Draft4Validator(schemas[name]["properties"]["reservation_date"])
            for ok in ("2024-03-01", "2024-03-01T19:30:00"):
                self.assertTrue(v.is_valid(ok), (name, ok))
            for bad in ("2024-03-01T19:30", "2024-3-1", "2024-03-01 19:30:00"):
                self.assertFalse(v.is_valid(bad), (name, bad))
        v = jsonschema.Draft4Validator(schemas["TableInput"]["properties"]["joins"])
        self.assertTrue(v.is_valid(["V02", "门-1"]))
        for bad in ([""], ["A+B"], ["a,b"], ["x" * 33]):
            self.assertFalse(v.is_valid(bad), bad)

    def test_routes_and_query_parameters_match_the_route_table(self):
        table = route_table()
        self.assertGreater(len(table), 15)
        documented = {(m, p) for p, ops in self.doc.raw["paths"].items() for m in ops
                      if m != "parameters"}
        served = set()
        for method, path, query in table:
            template = re.sub(r"\{\}", "{x}", path)
            match = [p for p in self.doc.raw["paths"]
                     if re.sub(r"\{[^}]+\}", "{x}", p) == template]
            with self.subTest(route="%s %s" % (method, path)):
                self.assertEqual(1, len(match), "not in openapi.json")
                op = self.doc.raw["paths"][match[0]].get(method)
                self.assertIsNotNone(op, "method not in openapi.json")
                params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
                self.assertEqual(sorted(query), sorted(p["name"] for p in params))
                served.add((method, match[0]))
        self.assertEqual(set(), documented - served, "documented but not served")

    def test_every_operation_lists_the_listener_statuses(self):
        for path, ops in self.doc.raw["paths"].items():
            for method, op in ops.items():
                for status in ("400", "413", "414", "500", "503"):
                    self.assertIn(status, op["responses"], "%s %s" % (method, path))

    def test_the_checker_refuses_what_is_not_described(self):
        ok_err = {"error": {"code": "not_found", "message": "reservation R not found"}}
        json_h = {"content-type": "application/json"}
        self.doc.check("GET", "/api/v1/integrations/reservation/R", 404, json_h, ok_err)
        bad = [
            ("GET", "/api/v1/integrations/reservation/R", 418, json_h, ok_err),
            ("GET", "/api/v1/integrations/reservation/R", 404, json_h, {"error": "x"}),
            ("GET", "/api/v1/integrations/reservation/R", 404, {"content-type": "text/html"},
             "<html>"),
            ("POST", "/api/v1/integrations/reservation/S/sync", 200, json_h,
             {"result": "updated", "reservation": None, "total": 1}),
            ("POST", "/api/v1/integrations/reservation/S/sync", 201, json_h,
             {"result": "updated", "reservation": {}}),
            ("GET", "/healthz", 200, json_h, {"status": 7}),
            ("GET", "/nowhere", 200, json_h, {}),
        ]
        for case in bad:
            with self.subTest(case=case[:3]):
                with self.assertRaises(AssertionError):
                    self.doc.check(*case)

    def test_served_document_is_the_file(self):
        from harness import Redis
        from sidecar_harness import Sidecar
        redis = Redis(aof=False)
        sc = Sidecar(redis.port)
        try:
            st, _, body = sc.request("GET", "/openapi.json")
            self.assertEqual(200, st)
            self.assertEqual(json.loads(self.text), body)
        finally:
            sc.close()
            redis.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

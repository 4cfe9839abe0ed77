"""Every response the integration suites see is checked against the OpenAPI document the
sidecar serves (GET /openapi.json), with a JSON Schema validator (python3-jsonschema):
the path template and method must be described, the status listed, and a JSON body must
match the schema of that status. sidecar_harness.Sidecar.request calls check() on each
response, so a test that receives an undocumented reply fails where it made the request.

OpenAPI 3.0 schemas are JSON Schema draft 4 with `nullable`; nullable is turned into
a "null" type here. Patterns are also checked as ECMAScript regular expressions in
Unicode mode (what a JavaScript validator compiles them as): identity escapes of
characters that are not syntax characters, and lone braces, are refused there."""
import copy
import json
import re
import warnings

import jsonschema

_cache = {}


def _nullable(node):
    """Draft 4 has no nullable: {"type": t, "nullable": true} -> {"type": [t, "null"]}."""
    if isinstance(node, list):
        return [_nullable(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if "$ref" in out:
            return {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    return out


class Document:
    """One OpenAPI document: routes as (regex, template, operations)."""

    def __init__(self, text):
        self.raw = json.loads(text)
        self.doc = _nullable(copy.deepcopy(self.raw))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        self.routes = []
        for template, ops in self.doc["paths"].items():
            rx = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self.routes.append((re.compile(rx), template, ops))
        # fixed paths before templated ones (/reservation/list before /reservation/{id})
        self.routes.sort(key=lambda r: r[1].count("{"))

    def validate(self, schema, value):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            jsonschema.Draft4Validator(schema, resolver=self.resolver).validate(value)

    def error_schema(self):
        return {"$ref": "#/components/schemas/Error"}

    def check(self, method, target, status, headers, body):
        """Raises AssertionError when the response is not described."""
        path = target.split("?", 1)[0]
        what = "%s %s -> %d" % (method, target[:120], status)
        ctype = headers.get("content-type", "")
        for rx, template, ops in self.routes:
            if rx.match(path):
                break
        else:
            # A path the API does not have: only the error object of a 404 (or the 401
            # that auth answers first is not possible here: routing comes first).
            if status not in (404, 405, 414, 400):
                raise AssertionError("%s: undocumented path answered %d" % (what, status))
            self._check_json(what, self.error_schema(), ctype, body)
            return
        op = ops.get(method.lower())
        if op is None:
            if status not in (405, 414, 413, 400):
                raise AssertionError("%s: undocumented method of %s" % (what, template))
            self._check_json(what, self.error_schema(), ctype, body)
            return
        resp = op["responses"].get(str(status)) or op["responses"].get("default")
        if resp is None:
            raise AssertionError("%s: status %d is not documented for %s %s (has %s)" % (
                what, status, method, template, sorted(op["responses"])))
        if "$ref" in resp:
            resp = self.resolver.resolve(resp["$ref"])[1]
        content = resp.get("content", {})
        if method == "HEAD":
            return
        if not content:
            if body not in ("", None):
                raise AssertionError("%s: a body where the document has none" % what)
            return
        media = next((m for m in content if m.split(";")[0] == ctype.split(";")[0].strip()),
                     None)
        if media is None:
            raise AssertionError("%s: content type %r not documented (%s)" % (
                what, ctype, sorted(content)))
        schema = content[media].get("schema")
        if schema is not None and "json" in media:
            self._check_json(what, schema, ctype, body)

    def _check_json(self, what, schema, ctype, body):
        if "application/json" not in ctype:
            raise AssertionError("%s: not JSON (%r): %r" % (what, ctype, str(body)[:200]))
        if isinstance(body, str):
            raise AssertionError("%s: body is not JSON: %r" % (what, body[:200]))
        try:
            self.validate(schema, body)
        except jsonschema.ValidationError as e:
            raise AssertionError("%s: does not match openapi.json at %s: %s\nbody: %s" % (
                what, "/".join(str(x) for x in e.absolute_path), e.message,
                json.dumps(body, ensure_ascii=False)[:600]))


def document(text):
    """The checker of one served document (cached by its text)."""
    if text not in _cache:
        _cache[text] = Document(text)
    return _cache[text]


# ---- ECMAScript Unicode-mode pattern check

_SYNTAX = set("^$\\.*+?()[]{}|/")
_ESCAPES_OUT = set("dDwWsSbBfnrtv")
_ESCAPES_IN = set("dDwWsSfnrtvb-")


def ecma_unicode_problem(pattern):
    """None when pattern compiles as an ECMAScript RegExp with the u flag (as far as the
    constructs JSON Schema patterns use go), else what is wrong."""
    i, n, in_class, prev_atom = 0, len(pattern), False, False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return "a trailing backslash"
            e = pattern[i + 1]
            ok = e in _SYNTAX or (e in (_ESCAPES_IN if in_class else _ESCAPES_OUT))
            if e == "x":
                ok = re.match(r"[0-9A-Fa-f]{2}", pattern[i + 2:i + 4]) is not None
            elif e == "u":
                ok = re.match(r"[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]{1,6}\}", pattern[i + 2:]) is not None
            elif e in "pP":
                ok = re.match(r"\{[A-Za-z_=]+\}", pattern[i + 2:]) is not None
            elif e == "c":
                ok = re.match(r"[A-Za-z]", pattern[i + 2:i + 3]) is not None
            elif e == "0":
                ok = not pattern[i + 2:i + 3].isdigit()
            elif e.isdigit():
                ok = not in_class  # a back reference
            if not ok:
                return "\\%s is not a valid escape in Unicode mode (at %d)" % (e, i)
            i += 2
            prev_atom = True
            continue
        if in_class:
            if c == "]":
                in_class = False
                prev_atom = True
            i += 1
            continue
        if c == "[":
            in_class = True
            i += 1
            if pattern[i:i + 1] == "^":
                i += 1
            if pattern[i:i + 1] == "]":
                return "an empty class"
            continue
        if c == "{":
            m = re.match(r"\{\d+(,\d*)?\}", pattern[i:])
            if not m or not prev_atom:
                return "a lone { (at %d)" % i
            i += len(m.group(0))
            continue
        if c in "}]":
            return "a lone %s (at %d)" % (c, i)
        prev_atom = c not in "(|^"
        i += 1
    return "an unclosed class" if in_class else None


def patterns(node, path=""):
    """(where, pattern) of every pattern in a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                yield path, v
            else:
                yield from patterns(v, path + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from patterns(v, "%s/%d" % (path, i))

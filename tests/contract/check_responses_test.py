#!/usr/bin/env python3
# Units of check_responses.py: it passes answers that fit and fails those that
# do not, both on a small document with a deliberately wrong schema and on
# docs/openapi.yaml itself. Usage: check_responses_test.py docs/openapi.yaml
import json
import os
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_responses  # noqa: E402

DOCUMENT = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "docs", "openapi.yaml")


def record(method, target, status, body=None, content_type="application/json"):
    r = {"method": method, "target": target, "status": status, "contentType": content_type}
    if body is not None:
        r["body"] = json.dumps(body) if not isinstance(body, str) else body
    return r


def small_document(health_status_type):
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/healthz": {"get": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Health"}}}}}}}},
        "components": {"schemas": {
            "Health": {"type": "object", "additionalProperties": False, "required": ["status"],
                       "properties": {"status": {"type": health_status_type}}},
            "ErrorBody": {"type": "object", "required": ["error"]}}},
    }


class small_document_test(unittest.TestCase):
    def test_an_answer_that_fits_passes(self):
        c = check_responses.contract(small_document("string"))
        self.assertEqual(c.check(record("GET", "/healthz", 200, {"status": "ok"})), [])

    def test_a_deliberately_wrong_schema_fails(self):
        # The document says status is an integer; the daemon answers a string.
        c = check_responses.contract(small_document("integer"))
        problems = c.check(record("GET", "/healthz", 200, {"status": "ok"}))
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("status", problems[0])
        self.assertIn("is not of type 'integer'", problems[0])

    def test_an_undocumented_status_fails(self):
        c = check_responses.contract(small_document("string"))
        self.assertIn("not documented", c.check(record("GET", "/healthz", 418, {"status": "ok"}))[0])


class openapi_document_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOCUMENT, encoding="utf-8") as f:
            cls.c = check_responses.contract(yaml.safe_load(f))

    def test_fitting_answers_pass(self):
        ok = [
            record("GET", "/healthz", 200, {"status": "ok"}),
            record("HEAD", "/healthz", 200),
            record("POST", "/v1/referrals", 202, {"caseId": "01KB6Z3M8Q7Y2C4N5P6R7S8T9V", "state": "CASE_QUEUED",
                                                  "duplicate": False}),
            record("GET", "/v1/cases/01KB6Z3M8Q7Y2C4N5P6R7S8T9V", 404,
                   {"error": {"code": "NOT_FOUND", "message": "no such case", "field": ""}}),
            record("GET", "/v1/me/offers?wait=1", 304, content_type=""),
            record("GET", "/metrics", 200, content_type="text/plain; version=0.0.4"),
            record("GET", "/nowhere", 404, {"error": {"code": "NOT_FOUND", "message": "no route", "field": ""}}),
            record("DELETE", "/healthz", 405,
                   {"error": {"code": "METHOD_NOT_ALLOWED", "message": "use GET", "field": ""}}),
            # a console asset: any media type its `*/*` allows
            record("GET", "/assets/console.css?v=0123456789abcdef", 200, "body{}", content_type="text/css"),
            record("GET", "/v1/reports?from=2026-12-01&to=2026-12-01&format=csv", 200, "\ufeff日期\r\n",
                   content_type="text/csv; charset=utf-8"),
            record("GET", "/v1/session", 200, {"id": "s001", "role": "supervisor", "csrf": "x",
                                                "expiresAt": "2026-12-04T08:00:00Z"}),
            record("DELETE", "/v1/session", 204, content_type=""),
        ]
        for r in ok:
            self.assertEqual(self.c.check(r), [], r)

    def test_deviating_answers_fail(self):
        bad = [
            # a sealed field that must never leave the store
            record("GET", "/v1/cases/x", 200, {"caseId": "x", "state": "CASE_QUEUED", "history": [
                {"at": "2026-11-29T08:00:00Z", "type": "case.declined", "sealedReason": "c2VjcmV0"}]}),
            # an enum by number instead of by name
            record("GET", "/v1/cases/x", 200, {"caseId": "x", "state": 1}),
            # the error body without field
            record("POST", "/v1/referrals", 400, {"error": {"code": "INVALID_ARGUMENT", "message": "m"}}),
            # ReferralAccepted.duplicate left out
            record("POST", "/v1/referrals", 202, {"caseId": "c", "state": "CASE_QUEUED"}),
            # a status the route never answers
            record("GET", "/healthz", 201, {"status": "ok"}),
            # the wrong media type
            record("GET", "/metrics", 200, "{}", content_type="application/json"),
            # a timestamp that is not RFC 3339
            record("GET", "/v1/queue", 200, {"at": "yesterday"}),
            # a session answer carrying a token it must never echo
            record("GET", "/v1/session", 200, {"id": "s001", "role": "supervisor", "token": "secret"}),
            # a role the console does not know
            record("GET", "/v1/me", 200, {"id": "s001", "role": "platform"}),
            # a page answered as JSON
            record("GET", "/signin", 200, "{}", content_type="application/json"),
        ]
        for r in bad:
            self.assertNotEqual(self.c.check(r), [], r)


if __name__ == "__main__":
    unittest.main(verbosity=2)

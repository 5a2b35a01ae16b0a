// The one coercion of request values (path, query, later socket messages): its documented rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ParamFailure, parseParam } from "../src/index.js";

test("parseParam: booleans are exactly true/false/1/0", () => {
  assert.equal(parseParam("boolean", "true"), true);
  assert.equal(parseParam("boolean", "1"), true);
  assert.equal(parseParam("boolean", "0"), false);
  for (const raw of ["TRUE", "yes", " true", ""]) assert.ok(parseParam("boolean", raw) instanceof ParamFailure, raw);
});

test("parseParam: int and count take signed digits only; count is ≥ 0", () => {
  assert.equal(parseParam("int", "-12"), -12);
  assert.equal(parseParam("count", "20"), 20);
  for (const raw of ["1e3", "0x10", " 1", "9007199254740993"]) assert.ok(parseParam("int", raw) instanceof ParamFailure, raw);
  assert.deepEqual(parseParam("count", "-1"), new ParamFailure('must be a whole number ≥ 0, got "-1"'));
});

test("parseParam: a datetime without a zone is UTC, not the server's time zone", () => {
  assert.equal(parseParam("datetime", "2024-05-01T10:00"), "2024-05-01T10:00:00.000Z");
  assert.equal(parseParam("datetime", "2024-05-01T10:00:00.5"), "2024-05-01T10:00:00.500Z");
  assert.equal(parseParam("datetime", "2024-05-01"), "2024-05-01T00:00:00.000Z");
  assert.equal(parseParam("datetime", "2024-05-01T10:00:00+02:00"), "2024-05-01T08:00:00.000Z");
  assert.ok(parseParam("datetime", "2024-13-01") instanceof ParamFailure);
});

test("parseParam: a day that does not exist is refused, not rolled over into the next month", () => {
  for (const raw of ["2025-02-29", "2025-02-30", "2025-04-31", "2025-02-31T10:00:00Z", "2025-00-10", "2025-01-00"]) {
    assert.ok(parseParam("datetime", raw) instanceof ParamFailure, raw);
  }
  assert.equal(parseParam("datetime", "2024-02-29"), "2024-02-29T00:00:00.000Z");
  assert.equal(parseParam("datetime", "2000-02-29T12:00:00Z"), "2000-02-29T12:00:00.000Z");
  assert.ok(parseParam("datetime", "1900-02-29") instanceof ParamFailure, "1900 is not a leap year");
});

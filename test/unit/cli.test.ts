// The quantscope CLI's contract: help, version, routing, exit codes and one-line errors (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { repoRoot } from "../helpers/shared";
import { runCli as cli } from "../helpers/cli";

test("--help prints usage with the commands", () => {
  const r = cli(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: quantscope <command>/);
  assert.match(r.stdout, /verify-golden/);
});

test("--version prints the package version", () => {
  const r = cli(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), require(path.join(repoRoot, "package.json")).version);
});

test("an unknown subcommand exits 2 with one line on stderr", () => {
  const r = cli(["frobnicate"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test("an unknown option exits 2 with one line", () => {
  const r = cli(["verify-golden", "--nope", "x"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /--nope/);
});

test("a missing input file exits 2 naming the file, no stack trace", () => {
  const r = cli(["verify-golden", "/nonexistent/golden"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\/nonexistent\/golden: no such file or folder/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});

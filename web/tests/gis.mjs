// OGC API – Features read by GDAL and OWSLib, unchanged: `ogrinfo` lists the collections
// of a real `truce serve` on 127.0.0.1, `ogr2ogr` copies the incidents (following `next`
// links) into GeoJSON, and OWSLib (Debian's python3-owslib) reads conformance,
// collections, pages and items. Prints a `test result:` line like cargo's; exits 1 on
// failure.
//
// Run from the repository after `cargo build -p truce`: `node web/tests/gis.mjs`.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.TRUCE_BIN || join(root, "target/debug/truce");
const data = mkdtempSync(join(tmpdir(), "truce-gis-"));
const env = { ...process.env };
delete env.TRUCE_DATA;
delete env.TRUCE_DATABASE;

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
run(bin, ["import", join(root, "web/tests/fixtures/incidents.csv"), "--data", data]);

// The server logs every request on stderr; left unread, a full pipe would stall it.
const server = spawn(bin, ["serve", "--bind", "127.0.0.1:0", "--data", data], { env, stdio: ["ignore", "pipe", "ignore"] });
const base = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30000);
  server.stdout.on("data", (b) => {
    out += b;
    const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)/);
    if (m) { clearTimeout(timer); resolve(`http://${m[1]}`); }
  });
});
const service = `OAPIF:${base}/ogc/nk-2020`;

const tests = [
  ["ogrinfo lists every collection as a layer", () => {
    const out = run("ogrinfo", ["-ro", "-q", service]);
    for (const layer of ["incidents", "zones", "places", "observation-posts", "checkpoints"]) {
      assert.match(out, new RegExp(`\\b${layer}\\b`), out);
    }
  }],
  ["ogrinfo reads the incidents layer with its fields and feature count", () => {
    const out = run("ogrinfo", ["-ro", "-so", service, "incidents"]);
    assert.match(out, /Feature Count: 6/, out);
    assert.match(out, /status: String/, out);
  }],
  ["ogr2ogr copies incidents page by page into GeoJSON", () => {
    const file = join(data, "incidents.geojson");
    run("ogr2ogr", ["-f", "GeoJSON", file, service, "incidents", "-oo", "PAGE_SIZE=2"]);
    const fc = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(fc.features.length, 6);
    assert.ok(fc.features.every((f) => f.geometry && f.geometry.type === "Point"));
  }],
  ["a spatial filter reaches the server as bbox", () => {
    const out = run("ogrinfo", ["-ro", "-so", "-spat", "46.5", "39.6", "46.6", "39.7", service, "incidents"]);
    assert.match(out, /Feature Count: 1/, out);
  }],
  ["OWSLib reads the conformance, collections, pages, bbox and single items", () => {
    run("/usr/bin/python3", [join(root, "web/tests/owslib_check.py"), `${base}/ogc/nk-2020`]);
  }],
];

let passed = 0, failed = 0;
for (const [name, t] of tests) {
  try {
    t();
    passed += 1;
    console.log(`test ${name} ... ok`);
  } catch (e) {
    failed += 1;
    console.log(`test ${name} ... FAILED\n  ${e.stack || e}`);
  }
}
server.kill();
rmSync(data, { recursive: true, force: true });
console.log(`\ntest result: ${failed ? "FAILED" : "ok"}. ${passed} passed; ${failed} failed; 0 ignored; 0 measured; 0 filtered out`);
process.exit(failed ? 1 : 0);

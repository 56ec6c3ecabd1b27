// OGC API – Features read by GDAL and OWSLib, unchanged: `ogrinfo` lists the collections
// of a real `truce serve` on 127.0.0.1, `ogr2ogr` copies the incidents (following `next`
// links) into GeoJSON, and OWSLib (Debian's python3-owslib) reads conformance,
// collections, pages and items. Prints a `test result:` line like cargo's; exits 1 on
// failure.
//
// Run from the repository after `cargo build -p truce`: `node web/tests/gis.mjs`.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { bin, dataDir, finish, root, run, runTests, startServer } from "./harness.mjs";

const data = dataDir("gis");
run(bin, ["import", join(root, "web/tests/fixtures/incidents.csv"), "--data", data]);
const { base, server } = await startServer(data);
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
    // Six imported from the fixture, five from the built-in record.
    assert.match(out, /Feature Count: 11/, out);
    assert.match(out, /status: String/, out);
  }],
  ["ogr2ogr copies incidents page by page into GeoJSON", () => {
    const file = join(data, "incidents.geojson");
    run("ogr2ogr", ["-f", "GeoJSON", file, service, "incidents", "-oo", "PAGE_SIZE=2"]);
    const fc = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(fc.features.length, 11);
    assert.ok(fc.features.every((f) => f.geometry && f.geometry.type === "Point"));
  }],
  ["a spatial filter reaches the server as bbox", () => {
    const out = run("ogrinfo", ["-ro", "-so", "-spat", "46.5", "39.6", "46.6", "39.7", service, "incidents"]);
    // The fixture's Lachin row and the built-in Saribaba fighting placed at Lachin.
    assert.match(out, /Feature Count: 2/, out);
  }],
  ["OWSLib reads the conformance, collections, pages, bbox and single items", () => {
    run("/usr/bin/python3", [join(root, "web/tests/owslib_check.py"), `${base}/ogc/nk-2020`]);
  }],
];

finish(server, data, await runTests(tests));

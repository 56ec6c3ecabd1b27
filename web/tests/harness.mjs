// What the Node test scripts share: the `truce` binary, a fresh data directory, a real
// `truce serve` on 127.0.0.1, and a runner that prints cargo-style lines (`test … ok`,
// `test result: …`) so .ci/run counts them.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const bin = process.env.TRUCE_BIN || join(root, "target/debug/truce");

/// The environment for `truce`, without a data directory or database from outside.
export const env = { ...process.env };
delete env.TRUCE_DATA;
delete env.TRUCE_DATABASE;

/// A fresh data directory, removed by `finish`.
export function dataDir(name) {
  return mkdtempSync(join(tmpdir(), `truce-${name}-`));
}

/// Runs a command; throws with its output when it fails.
export function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { env, encoding: "utf8", input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/// Starts `truce serve` over `data` on a free loopback port (or the one given, to start a
/// stopped server again where its clients look for it); resolves to its base URL and the
/// process.
export async function startServer(data, bind = "127.0.0.1:0") {
  // The server logs every request on stderr; left unread, a full pipe would stall it.
  const server = spawn(bin, ["serve", "--bind", bind, "--data", data], { env, stdio: ["ignore", "pipe", "ignore"] });

  const base = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30000);
    server.stdout.on("data", (b) => {
      out += b;
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(`http://${m[1]}`); }
    });
    server.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { base, server };
}

/// Runs `[name, async fn]` tests in order, printing a line each.
export async function runTests(tests) {
  let passed = 0, failed = 0;
  for (const [name, t] of tests) {
    try {
      await t();
      passed += 1;
      console.log(`test ${name} ... ok`);
    } catch (e) {
      failed += 1;
      console.log(`test ${name} ... FAILED\n  ${e.stack || e}`);
    }
  }
  return { passed, failed };
}

/// Stops the server, removes the data directory, prints the summary and exits.
export function finish(server, data, { passed, failed }, note = "") {
  server.kill();
  rmSync(data, { recursive: true, force: true });
  console.log(`\ntest result: ${failed ? "FAILED" : "ok"}. ${passed} passed; ${failed} failed; 0 ignored; 0 measured; 0 filtered out${note}`);
  process.exit(failed ? 1 : 0);
}

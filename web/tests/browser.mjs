// Browser tests of the dashboard: Debian's Chromium driven by playwright-core against a
// real `truce serve` on 127.0.0.1 with a fresh data directory (the built-in agreement and
// demo evidence, plus six made-up incidents). Each test keeps a screenshot in
// target/browser/. Prints a `test result:` line like cargo's, and exits 1 on failure.
//
// Run from the repository: `node web/tests/browser.mjs` (after `cargo build -p truce`).
// TRUCE_BIN overrides the binary; CHROMIUM the browser.

import { chromium } from "playwright-core";
import { startServer } from "./harness.mjs";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.TRUCE_BIN || join(root, "target/debug/truce");
const shots = join(root, "target/browser");
mkdirSync(shots, { recursive: true });
const data = mkdtempSync(join(tmpdir(), "truce-browser-"));
const env = { ...process.env };
delete env.TRUCE_DATA;
delete env.TRUCE_DATABASE;

function truceIn(dir, args, input) {
  const r = spawnSync(bin, [...args, "--data", dir], { env, encoding: "utf8", input });
  if (r.status !== 0) throw new Error(`truce ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const truce = (args, input) => truceIn(data, args, input);

truce(["import", join(root, "web/tests/fixtures/incidents.csv")]);
// The fixture's Aghdam shelling (the built-in record's incidents are other years).
const aghdam = JSON.parse(truce(["incidents", "list", "--party", "am", "--from", "2021-05-01", "--to", "2021-06-30", "--json"]))[0].id;
truce(["incidents", "verify", aghdam, "--status", "confirmed", "--reason", "seen by OP 3", "--analyst", "analyst"]);
// A year of public reporting transcribed as evidence: stated totals, groups, posts by count.
truce(["evidence", "import", join(root, "agreements/nk-2020/transcription/public-sources-2020-2024.jsonl")]);
const ANALYST_PASSWORD = "analyst password for the browser test";
truce(["user", "add", "ana", "--role", "analyst", "--name", "Ana Analyst", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
truce(["user", "add", "mon", "--role", "monitor", "--name", "Monitor Seven", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
truce(["sources", "add", "op-7", "--name", "Observation post 7", "--kind", "observation-post", "--reliability", "A"]);
// The registry: fictional persons of both sides, and who may see them.
truce(["registry", "import", join(root, "crates/truce-store/tests/fixtures/registry-fictional.jsonl")]);
truce(["user", "add", "pro", "--role", "protection-officer", "--name", "Protection Officer", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
truce(["user", "add", "lam", "--role", "liaison", "--party", "am", "--name", "Liaison AM", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
truce(["user", "add", "laz", "--role", "liaison", "--party", "az", "--name", "Liaison AZ", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
// A signed bulletin for 10-20 November 2020, published, with its PDF printed by Chromium.
truce(["keys", "generate"]);
const bulletinOut = join(data, "bulletins");
truce(["bulletin", "build", "--from", "2020-11-10", "--to", "2020-11-20", "--publish", "--pdf", "--out", bulletinOut, "--lang", "en,ru"]);
const AM_NAMES = ["Vardanyantest", "Վարդանյանթեստ", "AM-TEST-58213", "Petrosyantest"];
const AZ_NAMES = ["Mammadovtest", "Мамедовтест", "AZ-TEST-30991"];

const { base, server } = await startServer(data);

// A second centre with a long queue: 260 reports from one local newspaper, eight days apart
// (too far in time to be one incident), each an unverified incident of its own (one
// source that is not the centre's). Generated here.
const busy = mkdtempSync(join(tmpdir(), "truce-browser-busy-"));
const QUEUED = 260;
{
  const lines = [];
  for (let k = 0; k < QUEUED; k++) {
    const day = new Date(Date.UTC(2020, 10, 15) + k * 8 * 864e5).toISOString().slice(0, 10);
    lines.push(JSON.stringify({
      source: "local-news", key: `LN-${k}`, occurred: { start: `${day}T05:00:00Z`, end: `${day}T06:00:00Z`, precision: 1 },
      location: { lon: 46.55 + (k % 10) * 0.06, lat: 39.65 + Math.floor(k / 10) % 5 * 0.06, precision: 1 },
      type: "small-arms-fire", credibility: 3, text: `Bursts of fire heard, report ${k}.`,
    }));
  }
  const file = join(busy, "queue.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  truceIn(busy, ["sources", "add", "local-news", "--name", "A local newspaper", "--kind", "media", "--reliability", "C"]);
  truceIn(busy, ["import", "--format", "jsonl", file]);
  truceIn(busy, ["user", "add", "ana", "--role", "analyst", "--name", "Ana Analyst", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
}
const busyServer = await startServer(busy);

// A field post's centre: one monitor, one post, for the offline tests (its server is
// stopped and started again on the same port).
const fieldData = mkdtempSync(join(tmpdir(), "truce-browser-field-"));
truceIn(fieldData, ["user", "add", "mon", "--role", "monitor", "--name", "Monitor Seven", "--password-stdin"], `${ANALYST_PASSWORD}\n`);
truceIn(fieldData, ["sources", "add", "op-7", "--name", "Observation post 7", "--kind", "observation-post", "--reliability", "A"]);
let field = await startServer(fieldData);


const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/// Every `waitForFunction` of a page fails, after Playwright's bound (30 s unless a
/// timeout is given), with a message naming the condition it waited for.
function namedWaits(page) {
  const wait = page.waitForFunction.bind(page);
  page.waitForFunction = async (fn, arg, options) => {
    try {
      return await wait(fn, arg, options);
    } catch (e) {
      const what = String(fn).replace(/\s+/g, " ").slice(0, 240);
      throw new Error(`waited for ${what}${arg === undefined ? "" : ` with ${JSON.stringify(arg)}`}: ${e.message}`);
    }
  };
  return page;
}

/// A page that records console errors and every request leaving this server.
async function open(path, viewport = { width: 1280, height: 900 }, at = base) {
  const context = await browser.newContext({ viewport });
  const page = namedWaits(await context.newPage());
  page.errors = [];
  page.foreign = [];
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith(at)) page.foreign.push(r.url()); });
  await page.goto(`${at}${path}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  return page;
}

async function logIn(page, user) {
  await page.fill("#login-form input[name=user]", user);
  await page.fill("#login-form input[name=password]", ANALYST_PASSWORD);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#whoami");
  await page.waitForSelector("body[data-ready=true]");
}

/// The registry tab's person rows and the whole page's text.
async function registryView(page) {
  await page.click("button[data-tab=registry]");
  await page.waitForSelector("#registry-chart svg");
  const text = await page.evaluate(() => document.body.innerText);
  const rows = await page.locator("#registry-persons tr[data-person]").evaluateAll((r) => r.map((x) => x.dataset.person));
  return { text, rows };
}

/// Fails unless the element is inside the visible window (not somewhere down a panel).
async function inViewport(page, selector) {
  const box = await page.locator(selector).boundingBox();
  const size = page.viewportSize();
  assert.ok(box && box.y >= 0 && box.y + box.height <= size.height && box.x >= 0 && box.x < size.width,
    `${selector} at ${JSON.stringify(box)} is outside the ${size.width}×${size.height} window`);
}

/// The languages of web/i18n/.
const LANGS = ["en", "ru", "hy", "az"];
const MESSAGES = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(root, `web/i18n/${l}.json`), "utf8"))]));
/// Groups of keys that are words the API sends (shown as sent when a word is new).
const VOCABULARY = /^(state|status|level|basis|traffic|type|stance|category|measure|person_status|role|source_kind|zone_kind|action|found_kind|text_status|end_cause|bulletins\.file)\./;

/// The dashboard's own sentences (three words or more, nothing filled in) whose
/// translation differs from the English: none of them may be seen in that language.
function untranslated(lang) {
  if (lang === "en") return [];
  return Object.entries(MESSAGES.en)
    .filter(([k, v]) => typeof v === "string" && !VOCABULARY.test(k) && !v.includes("{") && v.split(/\s+/).length >= 3 && MESSAGES[lang][k] !== v)
    .map(([, v]) => v);
}

const AXE = readFileSync(join(root, "web/node_modules/axe-core/axe.min.js"), "utf8");
let axeUndecided = 0;

/// axe-core (from npm) over the whole page as it is: its violations, and the
/// colour-contrast nodes it could not decide (text over the map, in a chart, beside an
/// overlapping box), each decided here from the page's own colours: the text's colour
/// against its background, composed from every ancestor's, must reach WCAG AA (4.5:1,
/// 3:1 for large text).
async function axeRun(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations", "incomplete"] });
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c || "");
      if (!m) return null;
      const [red, green, blue, alpha = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [red, green, blue, alpha];
    };
    const blend = (over, under) => under.map((v, i) => over[i] * over[3] + v * (1 - over[3]));
    const luminance = (rgb) => {
      const [a, b, c] = rgb.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * a + 0.7152 * b + 0.0722 * c;
    };
    const low = [];
    const undecided = r.incomplete.filter((v) => v.id === "color-contrast").flatMap((v) => v.nodes);
    for (const n of undecided) {
      const el = document.querySelector(n.target.join(" "));
      if (!el || !el.textContent.trim()) continue;
      const chain = [];
      for (let e = el; e; e = e.parentElement) chain.unshift(e);
      let bg = [255, 255, 255];
      for (const e of chain) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] > 0) bg = blend(c, bg);
      }
      const style = getComputedStyle(el);
      const fgc = parse(el instanceof SVGElement ? style.fill : style.color);
      if (!fgc) continue;
      const fg = blend(fgc, bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) low.push(`${n.target.join(" ")} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
    }
    return {
      violations: [
        ...r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join("; ")}`),
        ...low.map((l) => `color-contrast (undecided by axe, below AA here): ${l}`),
      ],
      incomplete: undecided.length,
    };
  });
}


function clean(page) {
  assert.deepEqual(page.errors, [], "no console errors");
  assert.deepEqual(page.foreign, [], "no request leaves the server");
}

async function rowState(page, obligation) {
  const row = page.locator(`tr[data-obligation="${obligation}"]`);
  await row.waitFor();
  return (await row.locator("td").nth(2).innerText()).trim();
}

const tests = [
  ["the dashboard draws the zones without any tile server and shows the scorecard", async () => {
    const page = await open("/?as_of=2020-11-21");
    const zones = await page.locator(".leaflet-overlay-pane path").count();
    assert.ok(zones >= 15, `zone outlines drawn: ${zones}`);
    assert.match(await rowState(page, "handover-agdam"), /3 complete on time/);
    // Nothing on record yet: no score, and marked apart from a failure.
    const kalbajar = await rowState(page, "handover-kalbajar");
    assert.match(kalbajar, /^– due/);
    assert.match(kalbajar, /NO RECORD/);
    assert.equal(await page.locator('tr[data-obligation="handover-kalbajar"] .level-no-record').count(), 1,
      "the badge of a line on no record is drawn apart");
    clean(page);
    // An ended obligation is drawn apart too, neither a score nor a failure.
    const later = await open("/?as_of=2024-07-01");
    assert.match(await rowState(later, "peacekeeping-deployment"), /ended on 17 Apr 2024 \(lapse\)/);
    assert.equal(await later.locator('tr[data-obligation="peacekeeping-deployment"] .level-ended').count(), 1,
      "the badge of an ended line is drawn apart");
    assert.equal(await later.locator('tr[data-obligation="peacekeeping-deployment"] .flag').count(), 0,
      "an ended line is never flagged breached or late");
    clean(later);
    await later.context().close();
    return page;
  }],
  ["changing the as-of date changes the scorecard and the URL", async () => {
    const page = await open("/?as_of=2020-11-21");
    await page.fill("#as-of", "2020-11-14");
    await page.dispatchEvent("#as-of", "change");
    await page.waitForFunction(() => {
      const row = document.querySelector('tr[data-obligation="handover-agdam"] td:nth-child(3)');
      return row && /due/.test(row.textContent);
    });
    assert.match(page.url(), /as_of=2020-11-14/);
    clean(page);
    return page;
  }],
  ["a scorecard line explains itself with its evidence and source", async () => {
    const page = await open("/?as_of=2020-11-26");
    await page.click('tr[data-obligation="handover-kalbajar"]');
    await page.waitForSelector("#explain a[href^='https://jam-news.net/']");
    const text = await page.locator("#explain").innerText();
    assert.match(text, /handover:kalbajar-2020-11-25/);
    assert.match(text, /Deadline in force: by 2020-11-25/);
    clean(page);
    return page;
  }],
  ["the agreement chooser switches every panel to the second agreement, its points marked as paraphrases", async () => {
    const page = await open("/?as_of=2023-09-22");
    await page.waitForSelector('tr[data-obligation="handover-kalbajar"]');
    const choice = page.locator("#agreement-choice");
    assert.ok(await choice.isVisible(), "a chooser when two agreements are loaded");
    assert.deepEqual(await choice.locator("option").evaluateAll((o) => o.map((x) => x.value)), ["nk-2020", "nk-2023"]);
    await Promise.all([page.waitForURL(/agreement=nk-2023/), choice.selectOption("nk-2023")]);
    await page.waitForSelector('tr[data-obligation="yevlakh-talks"]');
    assert.equal(await page.locator('tr[data-obligation="handover-kalbajar"]').count(), 0, "no line of the other agreement");
    assert.match(await page.locator("#agreement-title").innerText(), /20 September 2023/);
    assert.equal(await choice.inputValue(), "nk-2023");
    await page.click('tr[data-obligation="yevlakh-talks"]');
    await page.waitForSelector('#explain blockquote.provision[data-status="paraphrase"]');
    assert.match(await page.locator("#explain blockquote.provision").innerText(), /Point 4: .*Yevlakh.*\(paraphrase, /);
    assert.match(await page.locator("#explain").innerText(), /milestone:yevlakh-2023-09-21/);
    clean(page);
    return page;
  }],
  ["incidents appear on the map and in the list, with their detail and counts", async () => {
    const page = await open("/?as_of=2021-06-30&tab=incidents");
    await page.waitForSelector("#incident-list li");
    // Six imported from the fixture and the one of the built-in record's five on record
    // by the "as of" day (the others are later years).
    assert.equal(await page.locator("#incident-list li").count(), 7);
    assert.match(await page.locator("#incident-count").innerText(), /7 incidents up to 30 Jun 2021, newest first/);
    // Newest first by default.
    const order = await page.locator("#incident-list li").evaluateAll((l) => l.map((x) => x.dataset.day));
    assert.deepEqual(order, order.slice().sort().reverse(), "newest first");
    const days = await page.locator("#incident-list li").allInnerTexts();
    // Lines name who is blamed by the actor's name, never its id.
    assert.ok(days.some((d) => / · by [A-Z][a-z]/.test(d)), `a line names the party blamed: ${days.join(" | ")}`);
    assert.ok(!days.some((d) => / · by (am|az|ru|nk-da)\b/.test(d)), `no actor id where a name belongs: ${days.join(" | ")}`);
    await page.locator(`#incident-list li[data-id="${aghdam}"]`).click();
    await page.waitForSelector("#drawer-title");
    // The detail opens where the eye is, whatever the list scrolled to.
    await inViewport(page, "#drawer-title");
    const detail = await page.locator("#incident-detail").innerText();
    assert.match(detail, /confirmed/);
    assert.match(detail, /seen by OP 3/);
    assert.doesNotMatch(detail, /\bnull\b/, "no literal null for a reader who cannot verify");
    assert.match(page.url(), new RegExp(`incident=${aghdam}`));
    // Back closes it; the shared link opens it again.
    await page.goBack();
    await page.waitForSelector("#drawer", { state: "hidden" });
    // A point on the map is reached and opened by keyboard too.
    const point = page.locator("#map path[role=button][aria-label]").first();
    const named = await point.getAttribute("aria-label");
    await point.focus();
    await page.keyboard.press("Enter");
    // The drawer opens at once and its title follows when the incident has been read.
    await page.waitForFunction((id) => {
      const title = document.querySelector("#drawer:not([hidden]) #drawer-title");
      return Boolean(title) && title.textContent.startsWith(`${id}:`);
    }, named.split(":")[0], { timeout: 20000 });
    await page.goBack();
    await page.waitForSelector("#drawer", { state: "hidden" });
    const shared = await open(`/?as_of=2021-06-30&incident=${aghdam}`);
    await shared.waitForSelector("#drawer-title");
    await inViewport(shared, "#drawer-title");
    assert.match(await shared.locator("#drawer-title").innerText(), new RegExp(aghdam));
    clean(shared);
    await shared.context().close();
    // A later "as of" brings in the built-in record's later incidents.
    const later = await open("/?as_of=2024-12-31&tab=incidents");
    await later.waitForFunction(() => document.querySelectorAll("#incident-list li").length === 11);
    clean(later);
    await later.context().close();
    // Places by the gazetteer's two names, the reporter's spelling kept when it differs.
    const list = await page.locator("#incident-list").innerText();
    assert.match(list, /Khankendi \/ Stepanakert/, "the fixture's Stepanakert row is named by both names");
    // The map labels places by both names.
    await page.waitForSelector(".place-label");
    const labels = await page.locator(".place-label").allInnerTexts();
    assert.ok(labels.some((t) => t.includes("Khankendi / Stepanakert")), `place labels: ${labels.slice(0, 10).join(", ")}`);
    const markers = await page.locator(".leaflet-marker-pane .marker-cluster, .leaflet-overlay-pane path.leaflet-interactive").count();
    assert.ok(markers > 0, "incident markers or clusters on the map");
    // The Lachin road's checkpoint is drawn, at the gazetteer's Hakari bridge.
    await page.waitForSelector('.leaflet-overlay-pane path[fill="#ffd92f"]', { state: "attached", timeout: 10000 });
    await page.waitForSelector("#timeline svg rect");
    assert.ok(await page.locator("#timeline svg rect").count() >= 1);
    clean(page);
    return page;
  }],
  ["search finds incidents by a place in another script, marks the words, and follows the filters", async () => {
    const page = await open("/?as_of=2021-06-30");
    await page.fill("#q", "Ханкенди");
    await page.press("#q", "Enter");
    await page.waitForSelector("#search-results li[data-id]");
    assert.match(page.url(), /q=%D0%A5/);
    const first = page.locator("#search-results li[data-id]").first();
    assert.match(await first.innerText(), /Khankendi \/ Stepanakert/);
    assert.match(await page.locator("#search-count").innerText(), /also as khankendi, stepanakert/);
    await page.screenshot({ path: join(shots, "search-results.png") });
    // Found on the map too, and opened from the list.
    assert.ok(await page.locator(".leaflet-overlay-pane path[fill='#ffe08a']").count() >= 1, "found incidents drawn on the map");
    await first.click();
    await page.waitForSelector("#drawer-title");
    await inViewport(page, "#drawer-title");
    await page.keyboard.press("Escape");
    // A phrase: its words marked in the snippet.
    await page.fill("#q", "\"peacekeepers\"");
    await page.press("#q", "Enter");
    // (The last search's marks stay until the new answer replaces them.)
    await page.waitForFunction(() => {
      const marks = [...document.querySelectorAll("#tab-search mark")].map((m) => m.textContent.toLowerCase());
      return document.querySelector("#search-others mark") && marks.every((m) => m === "peacekeepers");
    }, null, { timeout: 10000 }).catch(() => { throw new Error("waited 10 s for the phrase's marks to replace the last search's"); });
    const marks = await page.locator("#tab-search mark").allInnerTexts();
    assert.ok(marks.length && marks.every((m) => m.toLowerCase() === "peacekeepers"), marks.join(","));
    // The filters apply: nothing of the fixture is rejected.
    await page.fill("#q", "Ханкенди");
    await page.press("#q", "Enter");
    await page.waitForSelector("#search-results li[data-id]");
    await page.selectOption("#status", "rejected");
    await page.waitForFunction(() => /^0 incident/.test(document.querySelector("#search-count").textContent));
    clean(page);
    return page;
  }],
  ["filters live in the URL: a shared link opens the same view", async () => {
    const page = await open("/?as_of=2021-06-30&tab=incidents&status=confirmed");
    await page.waitForSelector("#incident-list li");
    assert.equal(await page.locator("#incident-list li").count(), 1);
    assert.equal(await page.inputValue("#status"), "confirmed");
    await page.selectOption("#zone", "lachin-corridor");
    await page.waitForFunction(() => /zone=lachin-corridor/.test(location.search));
    // One source's incidents: the list is what the API answers for it.
    await page.selectOption("#zone", "");
    await page.selectOption("#status", "");
    await page.selectOption("#source", "acled");
    await page.waitForFunction(() => /source=acled/.test(location.search));
    const want = await page.evaluate(async () => (await (await fetch("/api/v1/agreements/nk-2020/incidents?source=acled&to=2021-06-30&total=true")).json()).total);
    assert.ok(want > 0);
    await page.waitForFunction((n) => document.querySelectorAll("#incident-list li[data-id]").length === n, want);
    clean(page);
    return page;
  }],
  ["the corridor panel shows the blockade from its first day", async () => {
    const page = await open("/?as_of=2023-05-01&tab=corridor");
    const text = await page.locator("#corridor").innerText();
    assert.match(text, /blocked/);
    assert.match(text, /since 12 Dec 2022/);
    assert.match(text, /control contested/);
    clean(page);
    return page;
  }],
  ["an analyst logs in, verifies an incident from the queue and sees it counted", async () => {
    const page = await open("/?as_of=2021-06-30");
    await page.fill("#login-form input[name=user]", "ana");
    await page.fill("#login-form input[name=password]", ANALYST_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#whoami");
    await page.waitForSelector("body[data-ready=true]");
    assert.match(await page.locator("#whoami").innerText(), /Ana Analyst \(analyst\)/);
    await page.click("#queue-tab");
    await page.waitForSelector("#queue li[data-id]");
    const waiting = await page.locator("#queue li[data-id]").count();
    assert.equal(waiting, 5, "five unverified incidents wait by 2021-06-30");
    const first = page.locator("#queue li[data-id]").first();
    const id = await first.getAttribute("data-id");
    const second = await page.locator("#queue li[data-id]").nth(1).getAttribute("data-id");
    await first.click();
    await page.waitForSelector("#verify-form");
    await page.selectOption("#verify-form select[name=status]", "confirmed");
    await page.fill("#verify-form input[name=reason]", "seen by the centre's UAV");
    await page.click("#verify-form button[type=submit]");
    // Decided: it leaves the queue and the next one opens.
    await page.waitForFunction(() => document.querySelectorAll("#queue li[data-id]").length === 4);
    await page.waitForFunction((second) => (document.querySelector("#drawer-title") || {}).textContent?.startsWith(`${second}:`), second);
    // Its history names the analyst and the reason.
    const history = await page.evaluate(async (id) => (await (await fetch(`/api/v1/incidents/${id}`)).json()).history, id);
    assert.ok(history.some((h) => h.reason === "seen by the centre's UAV" && /ana/i.test(h.actor)), JSON.stringify(history));
    await page.waitForFunction(() => [...document.querySelectorAll("#timeline svg rect title")].some((t) => /Republic of Azerbaijan: 1/.test(t.textContent)));
    clean(page);
    return page;
  }],
  ["an analyst's day: the queue oldest first, verdicts by keyboard, the next one opening, pages past 200", async () => {
    const page = await open("/?tab=queue", { width: 1280, height: 900 }, busyServer.base);
    await logIn(page, "ana");
    await page.click("#queue-tab");
    await page.waitForSelector("#queue li[data-id]");
    // All the generated reports wait but the few that joined the built-in record's
    // incidents nearby (those are corroborated or confirmed already).
    const waiting = (await page.evaluate(async () => (await (await fetch("/api/v1/agreements/nk-2020/incidents?status=unverified,disputed&total=true&limit=1")).json()).total));
    assert.ok(waiting > 250 && waiting <= QUEUED, `${waiting} wait`);
    assert.match(await page.locator("#queue-count").innerText(), new RegExp(`^${waiting} wait for verification .* oldest first; 1–50 shown`));
    // Truly oldest first: the first report of the file, then the next.
    const rows = await page.locator("#queue li[data-id]").allInnerTexts();
    assert.match(rows[0], /^15 Nov 2020 /);
    assert.match(rows[1], /^23 Nov 2020 /);
    const firstDays = await page.locator("#queue li[data-id]").evaluateAll((l) => l.map((x) => x.dataset.day));
    // j opens the oldest, where the eye is.
    await page.keyboard.press("j");
    await page.waitForSelector("#drawer-title");
    await inViewport(page, "#drawer-title");
    const oldest = (await page.locator("#drawer-title").innerText()).split(":")[0];
    assert.equal(oldest, await page.locator("#queue li[data-id]").first().getAttribute("data-id"));
    // c, a reason, Enter: confirmed, and the next one opens.
    await page.locator("#drawer-title").focus();
    await page.keyboard.press("c");
    assert.equal(await page.inputValue("#verify-form select[name=status]"), "confirmed");
    await page.keyboard.type("seen on the post's camera");
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => new RegExp(`^${n} wait`).test(document.querySelector("#queue-count").textContent), waiting - 1);
    const next = await page.locator("#queue li[data-id]").first().getAttribute("data-id");
    await page.waitForFunction((id) => (document.querySelector("#drawer-title") || {}).textContent?.startsWith(`${id}:`), next);
    await inViewport(page, "#drawer-title");
    const status = await page.evaluate(async (id) => (await (await fetch(`/api/v1/incidents/${id}`)).json()).detail.incident.status, oldest);
    assert.equal(status, "confirmed");
    // r rejects the next the same way; k goes back up the list.
    await page.locator("#drawer-title").focus();
    await page.keyboard.press("r");
    await page.keyboard.type("a duplicate of the camera's report");
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => new RegExp(`^${n} wait`).test(document.querySelector("#queue-count").textContent), waiting - 2);
    // Past 200: the fifth page starts at 201, still in date order.
    for (let k = 0; k < 4; k++) {
      const before = await page.locator("#queue li[data-id]").first().getAttribute("data-id");
      await page.click("#queue-next");
      await page.waitForFunction((b) => document.querySelector("#queue li[data-id]")?.dataset.id !== b, before);
    }
    assert.match(await page.locator("#queue-count").innerText(), /201–250 shown/);
    const later = await page.locator("#queue li[data-id]").evaluateAll((l) => l.map((x) => x.dataset.day));
    assert.deepEqual(later, later.slice().sort(), "oldest first on page five");
    assert.ok(later[0] > firstDays[firstDays.length - 1], "page five comes after page one");

    // j at the end of page five goes on to page six.
    await page.locator("#queue li[data-id]").last().click();
    await page.waitForSelector("#drawer-title");
    await page.locator("#drawer-title").focus();
    await page.keyboard.press("j");
    await page.waitForFunction((n) => new RegExp(`251–${n} shown`).test(document.querySelector("#queue-count").textContent), waiting - 2);
    const sixth = await page.locator("#queue li[data-id]").first().getAttribute("data-id");
    await page.waitForFunction((id) => (document.querySelector("#drawer-title") || {}).textContent?.startsWith(`${id}:`), sixth);
    await page.screenshot({ path: join(shots, "queue-with-an-incident-open.png") });
    // Esc closes the drawer and the URL forgets the incident.
    await page.keyboard.press("Escape");
    await page.waitForSelector("#drawer", { state: "hidden" });
    assert.doesNotMatch(page.url(), /incident=/);
    // The incident list reads a page of 100 at a time; the map draws them all.
    await page.click("button[data-tab=incidents]");
    await page.waitForFunction(() => document.querySelectorAll("#incident-list li[data-id]").length === 100);
    const total = await page.evaluate(async () => (await (await fetch("/api/v1/agreements/nk-2020/incidents?total=true&limit=1")).json()).total);
    assert.match(await page.locator("#incident-count").innerText(), new RegExp(`^100 of ${total} incidents`));
    await page.click("#incident-more");
    await page.waitForFunction(() => document.querySelectorAll("#incident-list li[data-id]").length === 200);
    await page.click("#incident-more");
    await page.waitForFunction((n) => document.querySelectorAll("#incident-list li[data-id]").length === n, total);
    assert.ok(await page.locator("#incident-more").isHidden(), "nothing more to show");
    const listed = await page.locator("#incident-list li[data-id]").evaluateAll((l) => l.map((x) => x.dataset.id));
    assert.equal(new Set(listed).size, total, "each incident once");
    clean(page);
    return page;
  }],
  ["public visitors see no forms and cannot reach restricted data", async () => {
    const page = await open("/?as_of=2021-06-30&tab=incidents");
    assert.ok(await page.locator("#login-form").isVisible());
    assert.ok(await page.locator("#queue-tab").isHidden());
    await page.locator("#incident-list li").first().click();
    await page.waitForSelector("#incident-detail h3");
    assert.equal(await page.locator("#verify-form").count(), 0);
    const statuses = await page.evaluate(async () => {
      const users = await fetch("/api/v1/users");
      const write = await fetch("/api/v1/agreements/nk-2020/incidents/inc-1/status", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ status: "rejected", reason: "vandal" }),
      });
      return [users.status, write.status];
    });
    assert.deepEqual(statuses, [401, 401]);
    page.errors = page.errors.filter((e) => !/401/.test(e));
    clean(page);
    return page;
  }],
  ["a phone-width screen gets every panel without sideways scrolling", async () => {
    const page = await open("/?as_of=2020-11-21", { width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
    assert.ok(await page.locator("#scorecard-table").isVisible());
    clean(page);
    return page;
  }],
  ["a public visitor sees the registry's aggregates and not one name", async () => {
    const page = await open("/?as_of=2021-04-30&tab=registry");
    const { text, rows } = await registryView(page);
    assert.deepEqual(rows, []);
    assert.ok(await page.locator("#registry-persons-box").isHidden());
    // Armenia's claim of over 200 held by Azerbaijan, against 2 registered.
    const claimed = await page.locator('#registry-chart rect[data-series=claimed][data-holder=az] title').textContent();
    assert.match(claimed, /held by Republic of Azerbaijan, claimed: 200/);
    assert.match(text, /Armenia: ≥200/);
    // A total a source states, beside no figure of Truce's own (the missing).
    const stated = await page.locator('#registry-stated tr[data-tally="tally:t-tally-az-missing-2021-01-05"]').innerText();
    assert.match(stated, /Azerbaijan[\s\S]*3,890[\s\S]*no count of Truce's own/);
    for (const n of [...AM_NAMES, ...AZ_NAMES]) assert.ok(!text.includes(n), `${n} shown to the public`);
    const status = await page.evaluate(async () => (await fetch("/api/v1/registry/persons")).status);
    assert.equal(status, 401);
    page.errors = page.errors.filter((e) => !/401/.test(e));
    clean(page);
    return page;
  }],
  ["a protection officer sees every person, with names in each script", async () => {
    const page = await open("/?as_of=2021-04-01");
    await logIn(page, "pro");
    const { text, rows } = await registryView(page);
    await page.waitForSelector("#registry-persons tr[data-person]");
    const all = await page.locator("#registry-persons tr[data-person]").evaluateAll((r) => r.map((x) => x.dataset.person));
    assert.deepEqual(all, ["R-A1", "R-A2", "R-A3", "R-A4", "R-Z1", "R-Z2"], `rows ${rows}`);
    const table = await page.locator("#registry-persons").innerText();
    for (const n of [...AM_NAMES, ...AZ_NAMES]) assert.ok(table.includes(n), `${n} missing for the protection officer`);
    assert.ok(text.length > 0);
    clean(page);
    return page;
  }],
  ["each side's liaison sees their own side's people only", async () => {
    let last = null;
    for (const [user, mine, theirs, ids] of [["lam", AM_NAMES, AZ_NAMES, ["R-A1", "R-A2", "R-A3", "R-A4"]], ["laz", AZ_NAMES, AM_NAMES, ["R-Z1", "R-Z2"]]]) {
      if (last) await last.context().close();
      const page = await open("/?as_of=2021-04-01");
      await logIn(page, user);
      await registryView(page);
      await page.waitForSelector("#registry-persons tr[data-person]");
      const rows = await page.locator("#registry-persons tr[data-person]").evaluateAll((r) => r.map((x) => x.dataset.person));
      assert.deepEqual(rows, ids, user);
      const text = await page.evaluate(() => document.body.innerText);
      for (const n of mine) assert.ok(text.includes(n), `${user} misses ${n}`);
      for (const n of theirs) assert.ok(!text.includes(n), `${user} sees ${n}`);
      const other = await page.evaluate(async (id) => (await fetch(`/api/v1/registry/persons/${id}`)).status, ids[0] === "R-A1" ? "R-Z1" : "R-A1");
      assert.equal(other, 404, "another side's person is as if unknown");
      page.errors = page.errors.filter((e) => !/404/.test(e));
      clean(page);
      last = page;
    }
    return last;
  }],
  ["a published bulletin opens as a self-contained page, listed on the dashboard, its PDF verified", async () => {
    const page = await open("/?tab=bulletins");
    await page.waitForSelector('#bulletins li[data-bulletin="nk-2020/2020-11-10..2020-11-20"]');
    const links = await page.locator('#bulletins li[data-bulletin="nk-2020/2020-11-10..2020-11-20"] a').evaluateAll((a) => a.map((x) => x.textContent));
    assert.deepEqual(links, ["html", "pdf", "markdown", "json", "pdf signature"]);
    // The Russian version beside it, marked with its language.
    assert.equal(await page.locator('#bulletins li[data-bulletin="nk-2020/2020-11-10..2020-11-20.ru"] [lang=ru]').innerText(), "Русский");
    clean(page);
    await page.context().close();
    // The bulletin itself: no script, no request anywhere else, no console error.
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 } });
    const b = await context.newPage();
    b.errors = [];
    b.foreign = [];
    b.on("console", (m) => { if (m.type() === "error") b.errors.push(m.text()); });
    b.on("pageerror", (e) => b.errors.push(String(e)));
    const requests = [];
    b.on("request", (r) => { requests.push(r.url()); if (!r.url().startsWith(base)) b.foreign.push(r.url()); });
    await b.goto(`${base}/bulletins/nk-2020/2020-11-10..2020-11-20.html`);
    assert.match(await b.locator("h1").innerText(), /Monitoring bulletin 2020-11-10 to 2020-11-20/);
    assert.match(await b.locator("#summary").innerText(), /Return of Agdam district to Azerbaijan became complete on time on 2020-11-20/);
    assert.ok(await b.locator("svg.map path.zone").count() > 10, "the map draws the zones");
    assert.ok(await b.locator("svg.map .place-label").count() >= 5, "the map names the main places");
    assert.ok(await b.locator("svg.map .scale").count() === 1 && await b.locator("svg.map .locator").count() === 1,
      "the map has a scale bar and a locator");
    assert.match(await b.locator("#signature").innerText(), /Signed with ed25519 key [0-9a-f]{16}/);
    assert.equal(requests.length, 1, `only the page itself: ${requests}`);
    clean(b);
    // The Russian version: its own words, dates the Russian way, its own signature.
    await b.goto(`${base}/bulletins/nk-2020/2020-11-10..2020-11-20.ru.html`);
    assert.equal(await b.evaluate(() => document.documentElement.lang), "ru");
    assert.match(await b.locator("h1").innerText(), new RegExp(MESSAGES.ru["bulletin.title"].split("{")[0].trim()));
    assert.match(await b.locator("h1").innerText(), /10 нояб\. 2020/);
    const ru = spawnSync(bin, ["bulletin", "verify", join(bulletinOut, "nk-2020-2020-11-10--2020-11-20.ru.pdf"), "--key", join(data, "bulletin-signing.pub")], { env, encoding: "utf8" });
    assert.equal(ru.status, 0, ru.stdout + ru.stderr);
    await b.screenshot({ path: join(shots, "bulletin-ru.png"), fullPage: true });
    await b.goto(`${base}/bulletins/nk-2020/2020-11-10..2020-11-20.html`);

    // The PDF Chromium printed verifies with the public key alone.
    const v = spawnSync(bin, ["bulletin", "verify", join(bulletinOut, "nk-2020-2020-11-10--2020-11-20.pdf"), "--key", join(data, "bulletin-signing.pub")], { env, encoding: "utf8" });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /authentic and unchanged/);
    // The printed pages, as a reader of the PDF sees them (poppler's pdftoppm).
    const pdf = join(bulletinOut, "nk-2020-2020-11-10--2020-11-20.pdf");
    for (const f of readdirSync(shots).filter((f) => f.startsWith("bulletin-printed-page"))) rmSync(join(shots, f));
    const pages = spawnSync("pdftoppm", ["-r", "70", "-png", pdf, join(shots, "bulletin-printed-page")], { encoding: "utf8" });
    assert.equal(pages.status, 0, `pdftoppm: ${pages.stderr}`);
    const printed = readdirSync(shots).filter((f) => f.startsWith("bulletin-printed-page"));
    assert.ok(printed.length >= 2, `printed pages: ${printed}`);
    return b;
  }],
  ["every view in every language, desktop and phone: no cut header, null, id for a name, English left or empty panel; axe finds nothing (screenshots kept)", async () => {
    // What each view shows when it has loaded.
    const views = [
      ["scorecard", "#scorecard tr[data-obligation]"],
      ["incidents", "#incident-list li"],
      ["corridor", "#corridor p"],
      ["statements", "#statements li, #statements tr"],
      ["registry", "#registry-counts tr, #registry-counts li"],
      ["bulletins", "#bulletins li"],
      ["search", "#search-results li"],
      ["queue", "#queue li"],
      ["report", "#report-form select[name=source] option[value=op-7]"],
    ];
    let last = null;
    const sizes = [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]];
    for (const [lang, [size, viewport]] of LANGS.flatMap((l) => sizes.map((s) => [l, s]))) {
      const page = await open(`/?as_of=2021-06-30&lang=${lang}`, viewport);
      await logIn(page, "ana");
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
      for (const [tab, ready] of views) {
        await page.click(`button[data-tab=${tab}]`);
        if (tab === "search") {
          await page.fill("#q", "Shushi");
          await page.press("#q", "Enter");
        }
        await page.waitForSelector(ready, { state: "attached", timeout: 20000 });
        const where = `${tab} in ${lang} at ${size}`;
        const problems = await page.evaluate((tab) => {
          const found = [];
          const panel = document.querySelector(`#tab-${tab}`);
          const text = panel.innerText;
          if (text.trim().length < 20) found.push(`an empty panel: "${text}"`);
          const bad = text.match(/\b(null|undefined|NaN)\b|\[object Object\]/);
          if (bad) found.push(`"${bad[0]}" in "${text.slice(Math.max(0, bad.index - 60), bad.index + 40)}"`);
          const overflow = document.documentElement.scrollWidth - window.innerWidth;
          if (overflow > 1) found.push(`the page is ${overflow}px wider than the screen`);
          // Headers whole: no column or title cut or spilling out of its box.
          for (const h of panel.querySelectorAll("th, h2, h3, button, label")) {
            if (h.offsetParent === null) continue;
            if (h.scrollWidth > h.clientWidth + 1 && getComputedStyle(h).overflowX !== "visible") {
              found.push(`"${h.innerText}" is cut (${h.scrollWidth} > ${h.clientWidth})`);
            }
            if (h.tagName === "TH" && /\w-\n\w|\w\n\w/.test(h.innerText) && !/\s/.test(h.textContent.trim())) {
              found.push(`the header "${h.textContent}" breaks inside a word`);
            }
          }
          // Words in table cells whole: no word drawn across two lines.
          let cells = 0;
          for (const cell of panel.querySelectorAll("td, th")) {
            if (cell.offsetParent === null || ++cells > 300) continue;
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              for (const m of node.textContent.matchAll(/[\p{L}\p{N}]{4,}/gu)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const lines = new Set([...range.getClientRects()].filter((r) => r.width >= 1).map((r) => Math.round(r.top)));
                if (lines.size > 1) found.push(`"${m[0]}" is broken across lines in "${cell.textContent.slice(0, 60)}"`);
              }
            }
          }
          // Tables: none wider than its panel unless it scrolls itself.
          const edge = panel.getBoundingClientRect().right;
          for (const tbl of panel.querySelectorAll("table")) {
            if (tbl.offsetParent === null) continue;
            let scrolls = false;
            for (let e = tbl; e && e !== panel; e = e.parentElement) {
              if (["auto", "scroll"].includes(getComputedStyle(e).overflowX)) scrolls = true;
            }
            if (tbl.getBoundingClientRect().right > edge + 1 && !scrolls) found.push(`the table #${tbl.id} is cut at the panel's edge`);
          }
          // Charts: no label drawn over another label or over a bar.

          // (The timeline under the map too: its legend names the parties in every language.)
          for (const chart of [...panel.querySelectorAll("svg"), ...document.querySelectorAll("#timeline svg")]) {

            if (chart.getBoundingClientRect().width === 0) continue;
            const texts = [...chart.querySelectorAll("text")].map((t) => [t, t.getBoundingClientRect()]);
            const bars = [...chart.querySelectorAll("rect[data-series], rect.bar")].map((b) => b.getBoundingClientRect());
            const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
            texts.forEach(([t, a], k) => {
              for (const [u, b] of texts.slice(k + 1)) if (meet(a, b)) found.push(`"${t.textContent}" overlaps "${u.textContent}"`);
              for (const b of bars) if (meet(a, b)) found.push(`"${t.textContent}" is drawn over a bar`);
            });
          }
          // Nothing of the panel hidden under the header.
          const header = document.querySelector("header").getBoundingClientRect();
          const top = panel.getBoundingClientRect();
          if (top.top < header.bottom - 1 && window.scrollY === 0) found.push(`the panel starts under the header (${top.top} < ${header.bottom})`);
          return found;
        }, tab);
        assert.deepEqual(problems, [], where);
        // Actors by name: an actor id alone where a name belongs ("by am", "held by az").
        const text = await page.locator(`#tab-${tab}`).innerText();
        const id = text.match(/.{0,60}(\b(by|of|from|to)|—) (am|az|ru|nk-da)\b.{0,20}/);
        assert.equal(id, null, `${where}: an actor id where a name belongs: ${id && id[0]}`);
        // In another language, no sentence of the dashboard's own left in English.
        const pageText = await page.evaluate(() => document.body.innerText);
        const english = untranslated(lang).filter((m) => pageText.includes(m));
        assert.deepEqual(english, [], `${where}: left in English`);
        // axe-core: no violation of any impact, in any language, on any view.
        const axe = await axeRun(page);
        assert.deepEqual(axe.violations, [], `${where}: axe-core violations`);
        axeUndecided += axe.incomplete;
        // On a phone the panel lies under the map: shown from its tab bar down.
        if (size === "phone") await page.evaluate(() => document.querySelector("[role=tablist]").scrollIntoView({ block: "start" }));
        await page.screenshot({ path: join(shots, `view-${tab}-${lang}-${size}.png`), fullPage: size === "desktop" });
      }
      // The incident drawer, open over the view.
      await page.click("button[data-tab=incidents]");
      await page.locator(`#incident-list li[data-id="${aghdam}"]`).click();
      await page.waitForSelector("#drawer-title");
      await inViewport(page, "#drawer-title");
      assert.doesNotMatch(await page.locator("#incident-detail").innerText(), /\b(null|undefined|NaN)\b/);
      const axe = await axeRun(page);
      assert.deepEqual(axe.violations, [], `the incident drawer in ${lang} at ${size}: axe-core violations`);
      await page.screenshot({ path: join(shots, `view-incident-${lang}-${size}.png`) });
      clean(page);
      if (last) await last.context().close();
      last = page;
    }
    console.log(`  axe-core left ${axeUndecided} colour-contrast node(s) undecided; each was decided from the page's own colours and reaches AA`);
    return last;
  }],
  ["the API explorer lists every endpoint from the server's own files and, authorized with a token, tries them as its user", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = namedWaits(await context.newPage());
    page.errors = [];
    page.foreign = [];
    page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
    page.on("pageerror", (e) => page.errors.push(String(e)));
    page.on("request", (r) => { if (!r.url().startsWith(base)) page.foreign.push(r.url()); });
    await page.goto(`${base}/api/v1/docs/`);
    const doc = await (await fetch(`${base}/api/v1/openapi.json`)).json();
    const operations = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    await page.waitForFunction((n) => document.querySelectorAll(".opblock").length === n, operations, { timeout: 20000 });
    assert.ok(await page.locator(".opblock-summary-path[data-path='/api/v1/registry/persons']").count() === 1);
    // The Authorize button takes a bearer token, and "Try it out" then acts as its user.
    const token = truce(["token", "create", "ana", "--label", "explorer"]).trim().split("\n").pop();
    await page.click("button.authorize");
    const bearer = page.locator(".auth-container", { hasText: "bearer" }).first();
    await bearer.locator("input").first().fill(token);
    await bearer.locator("button.authorize").click();
    await page.click("button.btn-done");
    const op = page.locator(".opblock", { has: page.locator(".opblock-summary-path[data-path='/api/v1/session']") }).first();
    await op.locator(".opblock-summary").first().click();
    await op.locator("button.try-out__btn").click();
    await op.locator("button.execute").click();
    const answer = op.locator(".live-responses-table .response-col_description pre").first();
    await answer.waitFor({ timeout: 20000 });
    const answered = await answer.innerText();
    assert.match(answered, /"role":\s*"analyst"/, `the explorer's request acted as the token's user: ${answered}`);
    clean(page);
    return page;
  }],
  ["a monitor logs in and submits a report, with an inline error first", async () => {
    const page = await open("/?as_of=2021-06-30");
    await page.fill("#login-form input[name=user]", "mon");
    await page.fill("#login-form input[name=password]", ANALYST_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#whoami");
    await page.waitForSelector("body[data-ready=true]");
    assert.ok(await page.locator("#queue-tab").isHidden(), "monitors do not verify");
    await page.click("#report-tab");
    await page.waitForSelector("#report-form select[name=source] option[value=op-7]", { state: "attached" });
    const offered = await page.locator("#report-form select[name=source] option").evaluateAll((o) => o.map((x) => x.value));
    assert.ok(offered.includes("op-7"), `a monitor reports as an observation post: ${offered}`);
    for (const refused of ["acled", "az-mod", "am-mod", "nk-da"]) {
      assert.ok(!offered.includes(refused), `a monitor never reports as a data set or a party's ministry: ${offered}`);
    }
    await page.selectOption("#report-form select[name=source]", "op-7");
    await page.selectOption("#report-form select[name=type]", "artillery");
    await page.fill("#report-form input[name=start]", "2021-06-20T10:00");
    await page.fill("#report-form input[name=end]", "2021-06-20T11:00");
    await page.fill("#report-form input[name=lon]", "470");
    await page.fill("#report-form input[name=lat]", "39.90");
    await page.fill("#report-form textarea[name=text]", "Six impacts north of the post.");
    await page.click("#report-form button[type=submit]");
    await page.waitForSelector("#report-form .field-error");
    assert.equal(await page.locator("#report-form input[name=lon]").getAttribute("aria-invalid"), "true");
    assert.match(await page.locator("#report-result").innerText(), /Not stored/);
    await page.fill("#report-form input[name=lon]", "46.80");
    await page.click("#report-form button[type=submit]");
    await page.waitForFunction(() => /Stored as op-7:/.test(document.querySelector("#report-result").textContent));
    const incident = await page.locator("#report-result").getAttribute("data-incident");
    await page.click("button[data-tab=incidents]");
    await page.waitForSelector(`#incident-list li[data-id="${incident}"]`);
    assert.equal(await page.locator("#incident-list li").count(), 8);
    // The refused first attempt is the one error expected.
    page.errors = page.errors.filter((e) => !/status of 400/.test(e));
    clean(page);
    return page;
  }],
  ["the dashboard speaks the browser's language, can be switched, and keeps the language in the URL", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" });
    const page = namedWaits(await context.newPage());
    page.errors = [];
    page.foreign = [];
    page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
    page.on("pageerror", (e) => page.errors.push(String(e)));
    page.on("request", (r) => { if (!r.url().startsWith(base)) page.foreign.push(r.url()); });
    await page.goto(`${base}/?as_of=2020-11-21`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    // Russian, as the browser asks: the page, its URL, the rules' states and the dates.
    assert.equal(await page.evaluate(() => document.documentElement.lang), "ru");
    assert.match(page.url(), /lang=ru/);
    assert.equal(await page.locator("button[data-tab=scorecard]").innerText(), MESSAGES.ru["tab.scorecard"]);
    assert.ok((await rowState(page, "handover-agdam")).includes(MESSAGES.ru["state.complete on time"]),
      await rowState(page, "handover-agdam"));
    assert.match(await page.locator("#scorecard > p.note").first().innerText(), /21 нояб\.? 2020/);
    // The agreement's own words as its translators wrote them (agreements/nk-2020/i18n/).
    const own = JSON.parse(readFileSync(join(root, "agreements/nk-2020/i18n/ru.json"), "utf8"));
    assert.ok((await page.locator('tr[data-obligation="handover-agdam"] td:nth-child(2)').innerText()).includes(own["obligation.handover-agdam"]));
    assert.equal(await page.locator("#agreement-choice option[value=nk-2020]").innerText(), own.title);
    // The rules' reason in Russian words and dates, the zone by its name, not its id.
    await page.click('tr[data-obligation="handover-agdam"]');
    await page.waitForSelector("#explain p.reason");
    const reason = await page.locator("#explain p.reason").innerText();
    assert.match(reason, /^передача \(Агдам\): завершено \(20 нояб\. 2020\s?г\.; последний день срока — 20 нояб\. 2020\s?г\.\)$/, reason);
    assert.match(await page.locator("#explain").innerText(), new RegExp(`${MESSAGES.ru["deadline_rule.by"]} 20 нояб`));
    // The statements' summaries as the agreement's translators wrote them.
    await page.click("button[data-tab=statements]");
    await page.waitForSelector("#statements li");
    const said = await page.locator("#statements").innerText();
    assert.ok(said.includes(own["statement.am-pm-2020-11-10"]), said.slice(0, 400));
    assert.equal(await page.locator("#statements [lang=en]").count(), 0, "no summary left in English");

    // Armenian, chosen: kept in the URL and in this browser.
    await Promise.all([page.waitForURL(/lang=hy/), page.selectOption("#lang-choice", "hy")]);
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "hy");
    assert.equal(await page.locator("button[data-tab=incidents]").innerText(), MESSAGES.hy["tab.incidents"]);
    await page.goto(`${base}/?as_of=2020-11-21`);
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "hy", "the choice outlives the URL");
    // A shared link's language wins: Azerbaijani, with its own number and date forms.
    await page.goto(`${base}/?as_of=2021-04-30&lang=az&tab=registry`);
    await page.waitForSelector("#registry-stated tr[data-tally]");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "az");
    assert.equal(await page.locator("button[data-tab=registry]").innerText(), MESSAGES.az["tab.registry"]);
    const stated = await page.locator('#registry-stated tr[data-tally="tally:t-tally-az-missing-2021-01-05"]').innerText();
    assert.match(stated, /3\.890/, `Azerbaijani groups thousands with a dot: ${stated}`);
    // Places by the language's own name, the gazetteer's two names beside.
    await page.goto(`${base}/?as_of=2021-06-30&lang=hy&tab=incidents`);
    await page.waitForSelector("#incident-list li[data-id]");
    assert.match(await page.locator("#incident-list").innerText(), /Ստեփանակերտ \(Khankendi \/ Stepanakert\)/);

    clean(page);
    return page;
  }],
  ["a monitor without a connection: reports kept through a reload and a closed page, each stored once when it returns, a refused one kept with its problem", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    const watch = (p) => {
      p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      p.on("pageerror", (e) => errors.push(String(e)));
      return namedWaits(p);
    };
    let page = watch(await context.newPage());
    await page.goto(`${field.base}/?as_of=2021-06-30`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    // The page is installed: its service worker controls it.
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout: 20000 });
    await logIn(page, "mon");
    await page.click("#report-tab");
    await page.waitForSelector("#report-form select[name=source] option[value=op-7]", { state: "attached" });
    // The connection goes: the browser is offline and the server is gone.
    await context.setOffline(true);
    const port = new URL(field.base).port;
    field.server.kill();
    await new Promise((resolve) => (field.server.exitCode !== null ? resolve() : field.server.once("exit", resolve)));
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    assert.ok(await page.locator("#connection").isVisible(), "the page says it is offline");
    assert.match(await page.locator("#connection").innerText(), new RegExp(MESSAGES.en["connection.offline"].split("{")[0]));
    assert.ok(await page.locator("#scorecard tr[data-obligation]").count() > 5, "the last scorecard seen is readable");
    await page.click("#report-tab");
    await page.waitForSelector("#report-form select[name=source] option[value=op-7]", { state: "attached" });
    const reports = [
      ["2021-06-01", "46.60", "39.70", "Offline report one: mortar rounds to the east."],
      ["2021-06-05", "46.70", "39.75", "Offline report two: a burst of machine-gun fire."],
      ["2021-06-09", "46.80", "39.80", "Offline report three: a drone overhead for ten minutes."],
      ["2021-06-12", "470", "39.85", "Offline report four, its longitude mistyped."],
    ];
    for (const [k, [day, lon, lat, text]] of reports.entries()) {
      await page.selectOption("#report-form select[name=source]", "op-7");
      await page.selectOption("#report-form select[name=type]", "artillery");
      await page.fill("#report-form input[name=start]", `${day}T10:00`);
      await page.fill("#report-form input[name=end]", `${day}T11:00`);
      await page.fill("#report-form input[name=lon]", lon);
      await page.fill("#report-form input[name=lat]", lat);
      await page.fill("#report-form textarea[name=text]", text);
      await page.click("#report-form button[type=submit]");
      await page.waitForFunction((n) => document.querySelectorAll("#outbox li[data-state=waiting]").length === n, k + 1);
    }
    // Half a fifth report, typed and not sent: kept through a reload.
    await page.fill("#report-form textarea[name=text]", "A fifth, still being written");
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    await page.click("#report-tab");
    await page.waitForFunction(() => document.querySelectorAll("#outbox li[data-state=waiting]").length === 4);
    assert.equal(await page.inputValue("#report-form textarea[name=text]"), "A fifth, still being written");
    // The page closed and opened again, still offline.
    await page.close();
    page = watch(await context.newPage());
    await page.goto(`${field.base}/?as_of=2021-06-30&tab=report`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll("#outbox li[data-state=waiting]").length === 4);
    await page.screenshot({ path: join(shots, "offline-outbox-waiting.png"), fullPage: true });
    // The connection returns: every report is sent with its key, and each answer shown.
    field = await startServer(fieldData, `127.0.0.1:${port}`);
    await context.setOffline(false);
    await page.waitForFunction(() => document.querySelectorAll("#outbox li[data-state=stored]").length === 3 &&
      document.querySelectorAll("#outbox li[data-state=refused]").length === 1, null, { timeout: 30000 });
    const refused = await page.locator("#outbox li[data-state=refused]").innerText();
    assert.match(refused, /Offline report four/);
    assert.match(refused, /refused: .*lon/i, refused);
    for (const li of await page.locator("#outbox li[data-state=stored]").all()) {
      assert.match(await li.innerText(), /stored as op-7:\S+; incident \S+/);
    }
    // Online again: the views are read afresh (at once, or at the next half-minute
    // round when the service worker saw the connection late) and the notice goes.
    await page.waitForSelector("#connection", { state: "hidden", timeout: 45000 });

    // Stored exactly once each, though sent from a reloaded and a reopened page.
    const texts = await page.evaluate(async () => {
      const list = await (await fetch("/api/v1/agreements/nk-2020/incidents?source=op-7&limit=100")).json();
      const out = [];
      for (const i of list.incidents) {
        const d = await (await fetch(`/api/v1/incidents/${encodeURIComponent(i.id)}`)).json();
        out.push(...d.detail.reports.map((r) => r.text));
      }
      return out.sort();
    });
    assert.deepEqual(texts, reports.slice(0, 3).map((r) => r[3]).sort());
    // The refused one stays after a reload, and goes back into the form to be corrected.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    await page.waitForSelector("#outbox li[data-state=refused]");
    await page.click("#outbox li[data-state=refused] .outbox-edit");
    assert.equal(await page.inputValue("#report-form textarea[name=text]"), reports[3][3]);
    assert.equal(await page.inputValue("#report-form input[name=lon]"), "470");
    // The session ends without this page logging out (it expired, or was closed
    // elsewhere): on the next visit the answers kept while it lasted are forgotten, and
    // the page's own files stay for the next time the connection goes.
    const kept = () => page.evaluate(async () => {
      const c = await caches.open("truce-v1");
      const out = [];
      for (const r of await c.keys()) {
        if (/^\/(api|ogc|feeds)\//.test(new URL(r.url).pathname)) out.push([r.url, (await c.match(r)).headers.get("X-Truce-Stored")]);
      }
      return out;
    });
    assert.ok((await kept()).length > 0, "answers were kept for reading offline");
    const ended = await page.evaluate(() => new Date().toISOString());
    await context.clearCookies();
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    assert.equal(await page.locator("#logout").count(), 0, "the page knows the session ended");
    const stale = (await kept()).filter(([, at]) => !at || at < ended);
    assert.deepEqual(stale, [], "no answer kept from the ended session");
    assert.ok(await page.evaluate(async () => Boolean(await (await caches.open("truce-v1")).match("/app.js"))), "the page's own files stay");
    // What went wrong while the server was away is expected; nothing else.
    const unexpected = errors.filter((e) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|net::ERR_FAILED|status of 40[0-9]|Could not load/.test(e));
    assert.deepEqual(unexpected, [], "no other console error");
    return page;
  }],
];

let passed = 0, failed = 0;
// BROWSER_TESTS=regex runs only the tests whose names match (while working on one).
const only = process.env.BROWSER_TESTS ? new RegExp(process.env.BROWSER_TESTS) : null;
for (const [name, run] of tests) {
  if (only && !only.test(name)) continue;

  const file = join(shots, `${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80)}.png`);
  try {
    const page = await run();
    await page.screenshot({ path: file, fullPage: true });
    await page.context().close();
    passed += 1;
    console.log(`test ${name} ... ok`);
  } catch (e) {
    failed += 1;
    console.log(`test ${name} ... FAILED\n  ${e.stack || e}`);
    for (const context of browser.contexts()) {
      for (const page of context.pages()) await page.screenshot({ path: file.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
      await context.close();
    }
  }
}
await browser.close();
server.kill();
busyServer.server.kill();
field.server.kill();
rmSync(fieldData, { recursive: true, force: true });

rmSync(data, { recursive: true, force: true });
rmSync(busy, { recursive: true, force: true });
console.log(`\ntest result: ${failed ? "FAILED" : "ok"}. ${passed} passed; ${failed} failed; 0 ignored; 0 measured; 0 filtered out; screenshots in target/browser/`);
process.exit(failed ? 1 : 0);

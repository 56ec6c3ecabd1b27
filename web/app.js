// Truce dashboard: map, scorecard, incidents, corridor, deadlines, statements and a
// timeline, all from this server's API. The view (date, filters, tab, selection) lives in
// the URL, so a view can be shared. Data is written into the page as text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const STATUS_COLOURS = {
  confirmed: "#b2182b", corroborated: "#ef8a62", disputed: "#7b3294",
  unverified: "#8c96a0", rejected: "#c7ccd1",
};
const PARTY_COLOURS = { az: "#2166ac", am: "#d6604d", unattributed: "#8c96a0" };
const FILTERS = ["as_of", "from", "to", "zone", "type", "party", "source", "status"];

const view = Object.fromEntries(new URLSearchParams(location.search));
let agreement = null;
/// The agreement as in force on the "as of" day (obligations, provisions, names).
let agreementView = { obligations: [], provisions: [] };
let map = null;
let incidentLayer = null;
let pointLayer = null;
let lastCard = null;
let zone = "UTC";
let me = { role: "public", may: ["read"], submit_sources: [], csrf: null, user: null };
let documentTitles = {};
let actorNames = {};
/// Zone names by id (the latest version's name).
const zoneNames = new Map();
const zoneName = (id) => zoneNames.get(id) || id;
/// A zone feature's name in the chosen language (`display_LANG`), its display name where
/// the zones file gives none.
const zoneLabel = (f) => f.properties[`display_${lang}`] || f.properties.name;

// --- languages ---------------------------------------------------------------------------

/// The languages the dashboard speaks, each by its own name. Their messages are the files
/// `web/i18n/LANG.json` (see web/README.md), which a translator edits.
const LANGUAGES = { en: "English", ru: "Русский", hy: "Հայերեն", az: "Azərbaycanca" };
let lang = "en";
let messages = {};
let english = {};

/// The language asked for: the URL's `lang`, else the one last chosen in this browser,
/// else the browser's first that the dashboard speaks, else English.
function chooseLanguage() {
  const wanted = [view.lang, localStorage.getItem("truce.lang"), ...(navigator.languages || [navigator.language])];
  for (const w of wanted) {
    const code = w && String(w).toLowerCase().split("-")[0];
    if (code && LANGUAGES[code]) return code;
  }
  return "en";
}

/// The chosen language's messages (English beside them for any a translation lacks),
/// written into the page's fixed text.
async function loadLanguage() {
  lang = chooseLanguage();
  const get = async (code) => {
    const r = await fetch(`/i18n/${code}.json`);
    if (!r.ok) throw new Error(`/i18n/${code}.json: ${r.status}`);
    return r.json();
  };
  [english, messages] = await Promise.all([get("en"), lang === "en" ? null : get(lang)]);
  messages = messages || english;
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of e.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      e.setAttribute(attr, t(key));
    }
  }
  const choice = $("lang-choice");
  choice.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => el("option", { value: code, lang: code }, name)));
  choice.value = lang;
  choice.onchange = () => {
    localStorage.setItem("truce.lang", choice.value);
    view.lang = choice.value;
    location.assign(`${location.pathname}?${viewQuery()}`);
  };
}

const plurals = () => new Intl.PluralRules(lang);

/// A message in the chosen language, its `{placeholders}` filled (numbers written as the
/// language writes them). A message with plural forms picks the form for `n`.
function t(key, args = {}) {
  let m = messages[key] ?? english[key];
  if (m === undefined) {
    console.error(`no message "${key}" in web/i18n/en.json`);
    return key;
  }
  if (typeof m === "object") m = m[plurals().select(Number(args.n))] ?? m.other;
  return m.replace(/\{(\w+)\}/g, (all, k) => (k in args ? (typeof args[k] === "number" ? fmtNumber(args[k]) : String(args[k])) : all));
}

// Dates and numbers are written by the rules of the language's own file (`format.*`,
// `month.*`), not by the browser's locale data, which some browsers lack for Armenian or
// Azerbaijani: every browser shows the same.

/// A number with the language's group and decimal separators (3,890 · 3 890 · 3.890).
function fmtNumber(n) {
  const [whole, frac] = String(Math.abs(n)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, t("format.group"));
  return `${n < 0 ? "-" : ""}${grouped}${frac ? t("format.decimal") + frac : ""}`;
}

/// A word of a closed vocabulary the API speaks (a status, a state, an event type), in
/// the chosen language; the word itself when no file translates it.
function word(group, w) {
  if (w === null || w === undefined || w === "") return "";
  const key = `${group}.${w}`;
  return messages[key] ?? english[key] ?? w;
}

/// A calendar day (YYYY-MM-DD, or a month YYYY-MM) as the chosen language writes it.
function fmtDay(day) {
  if (!day || !/^\d{4}-\d{2}(-\d{2})?$/.test(day)) return day || "";
  const [y, m, d] = day.split("-");
  if (!d) return t("format.month", { month: t(`month.name.${Number(m)}`), y });
  return t("format.date", { d: String(Number(d)), mon: t(`month.short.${Number(m)}`), y });
}

/// A sentence of the rules (a scorecard reason, a deadline) in the chosen language, from
/// its message and parts as the API gives them (`why`, `deadline_why`). English writes
/// days as ISO dates and numbers as plain digits, as the server's English text does;
/// actors and zones are named (the server's English text gives their ids).
function say(m) {
  if (!m || !m.key) return "";
  const args = {};
  for (const [name, p] of Object.entries(m.args || {})) args[name] = part(p);
  return t(m.key, args);
}

function part(p) {
  if (typeof p === "string") return p;
  if (typeof p === "number") return lang === "en" ? String(p) : fmtNumber(p);
  if (p.day) return lang === "en" ? p.day : fmtDay(p.day);
  if (p.month) return fmtDay(p.month);
  if (p.actor) return actorName(p.actor);
  if (p.zone) return zoneName(p.zone);
  if (p.group) return word(p.group, p.word);
  if (p.unit) return t(`period.${p.unit}`, { n: String(p.count) });
  if (p.key) return say(p);
  if (p.list) return p.list.map(part).join(p.sep);
  return "";
}

/// A month (from its first day) as a short axis label.
function monthLabel(day) {
  const [y, m] = day.split("-");
  return t("format.month_short", { mon: t(`month.abbr.${Number(m)}`), y });

}

/// The local calendar day (in the agreement's time zone) of an RFC 3339 instant.
function localDay(iso) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
}

/// Local date and time of an instant (in the agreement's time zone), with the zone's name.
function localTime(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return t("format.time", { date: fmtDay(`${parts.year}-${parts.month}-${parts.day}`), hh: parts.hour, mm: parts.minute, zone: parts.timeZoneName });
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/// The earliest time at which an answer shown was fetched, when the service worker gave
/// it from this browser's store because the server could not be reached.
let shownSince = null;

/// Says, above everything, that the page shows kept data and how old it is.
function showConnection() {
  const box = $("connection");
  const offline = !navigator.onLine || shownSince !== null;
  box.hidden = !offline;
  if (offline) {
    box.textContent = shownSince ? t("connection.offline", { time: localTime(shownSince) }) : t("connection.offline_fresh");
  }
}

async function api(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const stored = r.headers.get("X-Truce-Stored");
  if (stored) {
    if (!shownSince || stored < shownSince) shownSince = stored;
    showConnection();
  }

  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const msg = body && body.detail ? body.detail : `${r.status} ${r.statusText}`;
    throw new Error(msg);
  }
  return body;
}

async function post(path, body) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (me.csrf) headers["X-CSRF-Token"] = me.csrf;
  const r = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  const answer = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) {
    const err = new Error(answer && answer.detail ? answer.detail : `${r.status} ${r.statusText}`);
    err.params = answer && answer["invalid-params"];
    throw err;
  }
  return answer;
}

function viewQuery() {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(view)) if (v) q.set(k, v);
  return q.toString();
}

/// The view into the URL, replacing the current history entry.
function saveView() {
  history.replaceState(null, "", `${location.pathname}?${viewQuery()}`);
}

/// The view into the URL as a new history entry (an opened incident): back returns.
function pushView() {
  history.pushState(null, "", `${location.pathname}?${viewQuery()}`);
}

function showError(where, err) {
  console.error(err);
  where.replaceChildren(el("p", { class: "note", role: "alert" }, t("error.load", { message: err && err.message ? err.message : err })));
}

/// The filters as a query. Every view stops at the "as of" day unless "to" says otherwise:
/// the map, lists, queue and timeline show what was on record by then.
function filterQuery(extra = {}) {
  const q = new URLSearchParams();
  for (const k of ["from", "to", "zone", "type", "party", "source", "status"]) if (view[k]) q.set(k, view[k]);
  if (!view.to && view.as_of) q.set("to", view.as_of);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

function levelBadge(status) {
  const base = status.score === null || status.score === undefined ? "level-x" : `level-${status.score}`;
  const cls = status.basis === "no-record" ? `${base} level-no-record`
    : status.basis === "ended" ? `${base} level-ended` : base;
  const text = status.score === null || status.score === undefined ? "–" : String(status.score);
  return el("span", { class: `level ${cls}`, title: word("level", status.level) }, text);
}

// --- map -------------------------------------------------------------------------------

function zoneStyle(f) {
  const kind = f.properties.kind || "";
  if (kind === "country") return { color: "#7a8691", weight: 1, fillColor: "#dfe5ea", fillOpacity: 0.6 };
  if (kind === "corridor") return { color: "#e08214", weight: 2, fillOpacity: 0.25 };
  if (kind === "route") return { color: "#542788", weight: 2, dashArray: "4 4", fillOpacity: 0.1 };
  if (kind === "area" || kind === "derived") return { color: "#35978f", weight: 1.5, dashArray: "2 4", fillOpacity: 0.05 };
  return { color: "#4d5a66", weight: 1, fillOpacity: 0.04 };
}

// Where an incident happened as a reader should see it: the gazetteer's bilingual name for
// its point, then the reporter's own spelling when it differs.
function placeText(i) {
  // The gazetteer writes "N km from PLACE" near a place: said in the language, the place
  // named as the language names it.
  const near = /^(\d+) km from (.+)$/.exec(i.place_label || "");
  const label = near ? t("place.km_from", { km: near[1], place: placeLocal(near[2]) }) : i.place_label && placeLocal(i.place_label);
  const reported = i.place_name;
  if (label && reported && !label.toLowerCase().includes(reported.toLowerCase())) return t("place.as_reported_beside", { label, reported });
  if (label) return label;
  if (reported) return t("place.as_reported", { reported });
  if (i.point) return t("place.point", { lat: i.point[1].toFixed(3), lon: i.point[0].toFixed(3) });
  return t("place.none");
}

// A zone version is in force on a day when the day is in [valid_from, valid_to).
function inForce(f, day) {
  const p = f.properties;
  return (!p.valid_from || p.valid_from <= day) && (!p.valid_to || day < p.valid_to);
}

let allZones = null;
let zoneLayer = null;

// Draws the zone versions in force on the "as of" day; a zone that changed (the corridor's
// route, the peacekeepers' area) is drawn as it was then.
function drawZones() {
  if (zoneLayer) zoneLayer.remove();
  const day = view.as_of || new Date().toISOString().slice(0, 10);
  // Countries first, so districts and corridors draw above them.
  const order = (f) => (f.properties.kind === "country" ? 0 : 1);
  const shown = allZones.features.filter((f) => inForce(f, day)).sort((a, b) => order(a) - order(b));
  zoneLayer = L.geoJSON({ type: "FeatureCollection", features: shown }, {
    style: zoneStyle,
    onEachFeature: (f, l) => l.bindTooltip(`${zoneLabel(f)} (${word("zone_kind", f.properties.kind)})`),
  }).addTo(map);
  return shown;
}

function initMap(zones) {
  map = L.map("map", { attributionControl: true, maxZoom: 18 });
  const tiles = localStorage.getItem("truce.tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  allZones = zones;
  const shown = drawZones();
  // Leaflet's name as a plain link (its default carries a picture axe cannot judge).
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" rel="noopener noreferrer">Leaflet</a>');
  map.attributionControl.addAttribution(t("map.attribution"));

  const corridor = shown.find((f) => f.properties.kind === "corridor");
  map.fitBounds(corridor ? L.geoJSON(corridor).getBounds().pad(1.2) : zoneLayer.getBounds());
  incidentLayer = L.markerClusterGroup({ maxClusterRadius: 40 }).addTo(map);
  pointLayer = L.layerGroup().addTo(map);
  searchLayer = L.layerGroup().addTo(map);
  placeLayer = L.layerGroup().addTo(map);
  map.on("zoomend", drawPlaces);
}

// Place names on the map, both names as the gazetteer gives them: district seats and towns
// of 10,000 or more from zoom 8, every place from zoom 10.
let placeLayer = null;
let places = [];
/// The gazetteer's places by their two-name display ("Shusha / Shushi").
const placesByDisplay = new Map();

/// Letters of Cyrillic and Armenian in Latin, to compare a name with the display's.
const TO_LATIN = Object.fromEntries([
  ..."а a б b в v г g д d е e ё e ж zh з z и i й y к k л l м m н n о o п p р r с s т t у u ф f х kh ц ts ч ch ш sh щ sh ы y э e ю yu я ya".split(" ")
    .reduce((pairs, x, k, all) => (k % 2 ? pairs : [...pairs, [x, all[k + 1]]]), []),
  ..."ա a բ b գ g դ d ե e զ z է e ը y թ t ժ zh ի i լ l խ kh ծ ts կ k հ h ձ dz ղ gh ճ ch մ m յ y ն n շ sh ո o չ ch պ p ջ j ռ r ս s վ v տ t ր r ց ts փ p ք k օ o ֆ f".split(" ")
    .reduce((pairs, x, k, all) => (k % 2 ? pairs : [...pairs, [x, all[k + 1]]]), []),
]);

/// A name's consonants in Latin ("Ходжалы", "Khojaly" → "khjl"): how names of one place
/// in several scripts are matched, whatever their vowels.
function skeleton(name) {
  const latin = [...name.toLowerCase().replace(/ու/g, "u")].map((c) => TO_LATIN[c] ?? c).join("")
    .normalize("NFD").replace(/\p{M}/gu, "")
    .replace(/ə/g, "a").replace(/ı/g, "i").replace(/x/g, "kh").replace(/q/g, "k");
  return latin.replace(/dzh|zh|dz|c(?!h)/g, (m) => (m === "c" ? "ts" : "j")).replace(/[^a-z]/g, "")
    .replace(/[aeiouyw]/g, "").replace(/(.)\1+/g, "$1");
}

/// Whether two skeletons name the same place (one letter apart at most, for longer names).
function sameName(a, b) {
  if (a === b) return a.length > 0;
  if (Math.min(a.length, b.length) < 4 || Math.abs(a.length - b.length) > 1) return false;
  // One substitution, insertion or deletion.
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}

/// A place as the chosen language names it, the gazetteer's display beside: "Շուշի
/// (Shusha / Shushi)", "Şuşa (Shusha / Shushi)", "Ханкенди / Степанакерт (Khankendi /
/// Stepanakert)". The gazetteer lists every name sources give in a script, old and
/// foreign ones too, so a name is taken only where it is one of the display's names
/// written in that script; otherwise the display alone.
function placeLocal(display) {
  const p = placesByDisplay.get(display);
  if (!p || lang === "en") return display;
  if (lang === "az") return p.name_az && !display.includes(p.name_az) ? `${p.name_az} (${display})` : display;
  const names = ((lang === "hy" ? p.name_hy : p.names_ru) || "").split(";").map((x) => x.trim()).filter(Boolean);
  const parts = display.split(/\s*[/()]\s*/).filter(Boolean).map(skeleton);
  const local = [];
  for (const part of parts) {
    const found = names.find((n) => sameName(skeleton(n), part));
    if (found && !local.includes(found)) local.push(found);
  }
  return local.length ? `${local.join(" / ")} (${display})` : display;
}


async function loadPlaces() {
  try {
    const fc = await api(`/ogc/${agreement}/collections/places/items?limit=10000`);
    places = fc.features;
    for (const f of places) placesByDisplay.set(f.properties.display, f.properties);
    drawPlaces();
  } catch (e) {
    console.warn("place names not loaded", e);
  }
}

function drawPlaces() {
  if (!placeLayer) return;
  placeLayer.clearLayers();
  const z = map.getZoom();
  for (const f of places) {
    const p = f.properties;
    const major = p.admin_zone || (p.population || 0) >= 10000;
    if (z < 8 || (!major && z < 10)) continue;
    const [x, y] = f.geometry.coordinates;
    L.marker([y, x], {
      icon: L.divIcon({ className: "place-label", html: "", iconSize: null }),
      interactive: false, keyboard: false,
    }).addTo(placeLayer).getElement()?.append(document.createTextNode(placeLocal(p.display)));
  }
}

async function loadPoints() {
  try {
    const [cps, posts] = await Promise.all([
      api(`/ogc/${agreement}/collections/checkpoints/items?limit=1000`),
      api(`/ogc/${agreement}/collections/observation-posts/items?limit=1000`),
    ]);
    pointLayer.clearLayers();
    for (const f of cps.features.filter((f) => f.geometry)) {
      const [x, y] = f.geometry.coordinates;
      L.circleMarker([y, x], { radius: 6, color: "#000", fillColor: "#ffd92f", fillOpacity: 1, weight: 2 })
        .bindTooltip(t("map.checkpoint", { name: f.properties.name, operator: actorName(f.properties.operator) })).addTo(pointLayer);
    }
    for (const f of posts.features) {
      const [x, y] = f.geometry.coordinates;
      L.circleMarker([y, x], { radius: 4, color: "#1b7837", fillColor: "#a6dba0", fillOpacity: 1, weight: 2 })
        .bindTooltip(t("map.post", { name: f.properties.name })).addTo(pointLayer);
    }
  } catch (e) {
    $("map-note").textContent = t("map.points_failed", { message: e.message });
  }
}

// --- incidents --------------------------------------------------------------------------

/// A whole incident as a list line (the API's `fields=list` shape).
function lineOf(i) {
  return { id: i.id, start: i.window.start, type: i.event_type, status: i.status, point: i.point,
    place_label: i.place_label, place_name: i.place_name,
    perpetrator: i.attribution?.assessed ?? null, disputed: Boolean(i.attribution?.disputed) };
}

/// Who a line blames: the assessed perpetrator, or that the parties' claims conflict.
function blame(i) {
  if (i.perpetrator) return ` · ${t("line.by", { actor: actorName(i.perpetrator) })}`;
  return i.disputed ? ` · ${t("line.claims_conflict")}` : "";
}

/// One line of a list (`fields=list`): date, type, place (marked when the report's place
/// is unknown), who is blamed, and the status as a word beside its colour.
function incidentLine(i) {
  return [
    el("span", { class: `status-dot st-${i.status}`, "aria-hidden": "true" }),
    `${fmtDay(localDay(i.start))} · ${word("type", i.type)} · ${placeText(i)}${blame(i)} · ${word("status", i.status)}`,
    i.point ? null : el("span", { class: "tag" }, t("line.unplaced")),
    " ", el("span", { class: "id" }, i.id),
  ];
}

/// The day the views stop at: "to" when given, else the "as of" date.
function lastDay() {
  return view.to || view.as_of;
}

/// Incidents a list page shows; more come a page at a time by the API's cursor.
const LIST_PAGE = 100;
/// The most map points drawn at once.
const MAP_POINTS = 10000;
const incidentPages = { cursor: null, total: 0, shown: 0, mapCut: false };

function incidentItem(i) {
  return el("li", { tabindex: "0", "data-id": i.id, "data-day": localDay(i.start), onclick: () => openIncident(i.id),
    onkeydown: (e) => { if (e.key === "Enter") openIncident(i.id); } }, ...incidentLine(i));
}

function incidentCount() {
  const sort = view.sort || "-start";
  const order = t({ "-start": "order.newest", start: "order.oldest", number: "order.number" }[sort]);
  const p = incidentPages;
  const day = fmtDay(lastDay());
  $("incident-count").textContent = (p.shown < p.total
    ? t("incidents.some", { shown: p.shown, n: p.total, day, order })
    : t("incidents.all", { n: p.total, day, order })) +
    (p.mapCut ? ` ${t("incidents.map_cut", { n: MAP_POINTS })}` : "");
  $("incident-more").hidden = !p.cursor;
}

/// Each view's latest request: the answer to an older one (the filters changed while it
/// was on its way) is dropped, whatever order the answers arrive in.
const asked = {};
function ask(name) {
  const n = (asked[name] || 0) + 1;
  asked[name] = n;
  return () => asked[name] === n;
}

/// The map draws every matching incident as a light point and the list shows list lines a
/// page at a time, both from the server's memory.
async function loadIncidents() {
  const list = $("incident-list");
  const sort = view.sort || "-start";
  const current = ask("incidents");
  try {
    const [points, page] = await Promise.all([
      api(`/api/v1/agreements/${agreement}/incidents?${filterQuery({ limit: MAP_POINTS, sort, fields: "map" })}`),
      api(`/api/v1/agreements/${agreement}/incidents?${filterQuery({ limit: LIST_PAGE, sort, total: "true", fields: "list" })}`),
    ]);
    if (!current()) return;
    incidentLayer.clearLayers();
    const types = new Set();
    for (const i of points.incidents) {
      types.add(i.type);
      if (i.point) {
        const [x, y] = i.point;
        const label = `${i.id}: ${fmtDay(localDay(i.start))} · ${word("type", i.type)} (${word("status", i.status)})`;
        byKeyboard(L.circleMarker([y, x], { radius: 6, color: "#fff", weight: 1, fillColor: STATUS_COLOURS[i.status], fillOpacity: 0.9 })
          .bindTooltip(label)
          .on("click", () => openIncident(i.id)), label, () => openIncident(i.id))
          .addTo(incidentLayer);
      }
    }
    list.replaceChildren(...page.incidents.map(incidentItem));
    Object.assign(incidentPages, { cursor: page.next_cursor, total: page.total, shown: page.incidents.length,
      mapCut: Boolean(points.next_cursor) });
    incidentCount();
    const typeSelect = $("type");
    for (const ty of [...types].sort()) {
      if (![...typeSelect.options].some((o) => o.value === ty)) typeSelect.append(el("option", { value: ty }, word("type", ty)));

    }
    typeSelect.value = view.type || "";
    markCurrent(view.incident);
  } catch (e) {
    if (current()) showError(list, e);
  }
}

/// The next page of the list, after the last shown.
async function moreIncidents() {
  const p = incidentPages;
  if (!p.cursor) return;
  // A list read afresh meanwhile makes this page stale.
  const since = asked.incidents;
  try {
    const page = await api(`/api/v1/agreements/${agreement}/incidents?${filterQuery({ limit: LIST_PAGE, sort: view.sort || "-start", cursor: p.cursor, fields: "list" })}`);
    if (asked.incidents !== since) return;
    $("incident-list").append(...page.incidents.map(incidentItem));
    p.cursor = page.next_cursor;
    p.shown += page.incidents.length;
    incidentCount();
    markCurrent(view.incident);
  } catch (e) {
    showError($("incident-count"), e);
  }
}

// --- the incident drawer ----------------------------------------------------------------

let returnFocus = null;
let renderTicket = 0;

/// Opens an incident in the drawer, with its own URL (`?incident=`): the browser's back
/// button closes it again, and the link can be shared.
/// A point drawn on the map that a keyboard reaches too: focusable in the page's tab
/// order, named for screen readers, opened with Enter or Space. (The same incidents are in
/// the lists; this makes the map itself usable without a mouse.)
function byKeyboard(marker, label, open) {
  return marker.on("add", () => {
    const path = marker.getElement();
    if (!path || path.hasAttribute("tabindex")) return;
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    path.setAttribute("aria-label", label);
    path.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open();
      }
    });
    path.addEventListener("focus", () => marker.openTooltip());
    path.addEventListener("blur", () => marker.closeTooltip());
  });
}

function openIncident(id, { push = true } = {}) {
  const drawer = $("drawer");
  if (drawer.hidden) returnFocus = document.activeElement;
  if (push && view.incident !== id) {
    view.incident = id;
    pushView();
  } else {
    view.incident = id;
    saveView();
  }
  // Below the header and its filters, which stay in reach.
  const header = document.querySelector("header").getBoundingClientRect();
  document.documentElement.style.setProperty("--header-bottom", `${Math.max(0, header.bottom)}px`);
  drawer.hidden = false;
  markCurrent(id);
  return renderIncident(id);
}

function closeIncident({ push = true } = {}) {
  const drawer = $("drawer");
  const had = Boolean(view.incident);
  delete view.incident;
  if (had) (push ? pushView() : saveView());
  drawer.hidden = true;
  markCurrent(null);
  showOnMap(null);
  if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  returnFocus = null;
}

/// A ring on the map around the open incident, brought into view.
let openRing = null;
function showOnMap(i) {
  if (openRing) openRing.remove();
  openRing = null;
  if (!i || !i.point || !map) return;
  const [x, y] = i.point;
  openRing = L.circleMarker([y, x], { radius: 13, color: "#1d2328", weight: 3, fill: false, interactive: false }).addTo(map);
  if (!map.getBounds().contains([y, x])) map.panTo([y, x]);
}

/// Marks the open incident in every list, and keeps it in sight there.
function markCurrent(id) {
  for (const li of document.querySelectorAll(".pick-list li[data-id]")) {
    if (li.dataset.id === id) {
      li.setAttribute("aria-current", "true");
      li.scrollIntoView({ block: "nearest" });
    } else li.removeAttribute("aria-current");
  }
}

async function renderIncident(id) {
  const box = $("incident-detail");
  const ticket = ++renderTicket;
  // Another incident's detail is never left showing while this one loads (the title,
  // and with it the drawer's name, comes with the detail).
  const shown = $("drawer-title");
  if (!shown || !shown.textContent.startsWith(`${id}:`)) {
    box.replaceChildren(el("p", { class: "note", role: "status" }, `${id}: ${t("page.loading")}`));
  }
  try {
    const d = await api(`/api/v1/incidents/${encodeURIComponent(id)}`);
    // A later click won the race: its answer is the one shown.
    if (ticket !== renderTicket) return;
    const i = d.detail.incident;
    const reports = el("ol", {});
    for (const r of d.detail.reports) {
      reports.append(el("li", {}, `${r.source}: ${word("type", r.event_type)}, ${localTime(r.occurred.start)}`,
        r.location.place_name ? ` ${t("report.at", { place: r.location.place_name })}` : "",
        r.perpetrator ? ` — ${t("report.blames", { actor: actorName(r.perpetrator) })}` : "",
        r.text ? el("div", { class: "note" }, r.text) : null));
    }
    const history = el("ol", {});
    for (const h of d.history) history.append(el("li", {}, `${localTime(h.at)} ${h.actor}: ${word("action", h.action)} — ${h.reason}`));
    const claims = el("ul", {});
    for (const c of i.attribution.claims) {
      const whom = c.perpetrator ? actorName(c.perpetrator)
        : c.perpetrator_as_named ? t("claim.named_outside", { name: c.perpetrator_as_named }) : t("claim.nobody");
      claims.append(el("li", {}, t("claim.blames", { source: c.source, whom })));
    }
    const title = el("h2", { id: "drawer-title", tabindex: "-1" }, `${i.id}: ${word("type", i.event_type)}`);
    const possibly = (i.possibly_in || []).length ? `; ${t("detail.possibly_in", { zones: i.possibly_in.map(zoneName).join(", ") })}` : "";
    const assessed = i.attribution.assessed ? actorName(i.attribution.assessed)
      : t(i.attribution.disputed ? "detail.attribution_disputed" : "detail.attribution_open");
    const parts = [
      title,
      el("p", {}, el("span", { class: `status-dot st-${i.status}`, "aria-hidden": "true" }), `${word("status", i.status)} · ${localTime(i.window.start)} – ${localTime(i.window.end)}`),
      el("p", {}, t("detail.place", { place: placeText(i), zones: i.zones.map(zoneName).join(", ") || t("detail.no_zone") }) + possibly),
      i.point ? null : el("p", { class: "note" }, t("detail.unplaced")),
      el("p", {}, t("detail.attribution", { who: assessed })),
      el("h3", {}, t("detail.claims")), claims.childElementCount ? claims : el("p", { class: "note" }, t("detail.no_claims")),
      el("h3", {}, t("detail.reports", { n: d.detail.reports.length })), reports,
      el("h3", {}, t("detail.history")), d.history.length ? history : el("p", { class: "note" }, t("detail.no_history")),
      me.may.includes("verify") ? verifyForm(i) : null,
    ];
    box.replaceChildren(...parts.filter((x) => x !== null));
    title.focus({ preventScroll: true });
    showOnMap(i);
  } catch (e) {
    if (ticket === renderTicket) showError(box, e);
  }
}

function verifyForm(i) {
  const select = el("select", { name: "status", "aria-label": t("verify.new_status") },
    el("option", { value: "" }, t("verify.assessed")),
    ...["confirmed", "corroborated", "disputed", "unverified", "rejected"].map((s) => el("option", { value: s }, word("status", s))));
  select.value = i.status;
  const reason = el("input", { name: "reason", placeholder: t("verify.reason_hint"), required: "required", "aria-label": t("verify.reason") });
  const problem = el("p", { class: "error", role: "alert" });
  const form = el("form", { id: "verify-form" }, select, reason, el("button", { type: "submit" }, t("verify.set")), problem);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    problem.textContent = "";
    try {
      await post(`/api/v1/agreements/${agreement}/incidents/${encodeURIComponent(i.id)}/status`,
        { status: select.value || null, reason: reason.value });
    } catch (e) {
      problem.textContent = e.params && e.params[0] ? `${e.params[0].name || t("verify.request")}: ${e.params[0].reason}` : e.message;
      return;
    }
    const fromQueue = view.tab === "queue" && queue.items.some((x) => x.id === i.id);
    await Promise.all([fromQueue ? nextInQueue(i.id) : renderIncident(i.id), loadIncidents(), loadTimeline(), loadScorecard(),
      fromQueue ? null : loadQueue()]);
  });
  return el("div", {}, el("h3", {}, t("verify.heading")), form);
}

// --- search -----------------------------------------------------------------------------

/// A snippet as text with the words found marked (never as HTML).
function snippet(segments) {
  return el("span", { class: "snippet" }, ...segments.map((s) => (s.hit ? el("mark", {}, s.text) : s.text)));
}

let searchLayer = null;

async function runSearch() {
  const list = $("search-results"), others = $("search-others");
  if (searchLayer) searchLayer.clearLayers();
  if (!view.q) {
    list.replaceChildren();
    others.replaceChildren();
    $("search-others-title").hidden = true;
    return;
  }
  $("search-count").textContent = t("search.running", { q: view.q });
  try {
    const current = ask("search");
    const r = await api(`/api/v1/agreements/${agreement}/search?${filterQuery({ q: view.q, limit: 100 })}`);
    if (!current()) return;
    const widened = r.query.groups.filter((g) => g.places.length)
      .map((g) => t("search.also_as", { typed: g.typed, names: g.alternatives.slice(1).map((a) => a.join(" ")).join(", ") }));
    const parts = [t("search.found", { n: r.incidents_found, day: fmtDay(lastDay()), q: view.q })];
    if (r.incidents.length < r.incidents_found) parts.push(t("search.best", { n: r.incidents.length }));
    if (r.newest_only) parts.push(t("search.newest_only"));
    $("search-count").textContent = parts.join(" ") + (widened.length ? ` ${t("search.places", { places: widened.join("; ") })}` : "");
    list.replaceChildren(...r.incidents.map((f) => {
      const i = f.incident;
      if (i.point && searchLayer) {
        const [x, y] = i.point;
        const label = `${i.id}: ${fmtDay(localDay(i.window.start))} · ${word("type", i.event_type)} · ${placeText(i)}`;
        byKeyboard(L.circleMarker([y, x], { radius: 9, color: "#1d2328", weight: 2, fillColor: "#ffe08a", fillOpacity: 0.9 })
          .bindTooltip(label)
          .on("click", () => openIncident(i.id)), label, () => openIncident(i.id)).addTo(searchLayer);
      }
      return el("li", { tabindex: "0", "data-id": i.id, onclick: () => openIncident(i.id),
        onkeydown: (e) => { if (e.key === "Enter") openIncident(i.id); } },
        ...incidentLine(lineOf(i)), snippet(f.snippet));
    }));
    if (!r.incidents.length) list.replaceChildren(el("li", { class: "note" }, t("search.none")));
    $("search-others-title").hidden = !r.others.length;
    others.replaceChildren(...r.others.map((o) => el("li", { "data-kind": o.kind },
      `${word("found_kind", o.kind)} ${o.id}${o.date ? ` (${fmtDay(o.date)})` : ""} `,
      o.source && /^https?:/.test(o.source) ? el("a", { href: o.source, rel: "noopener noreferrer", target: "_blank" }, t("common.source")) : null,
      snippet(o.snippet))));
    markCurrent(view.incident);
  } catch (e) {
    showError(list, e);
    $("search-count").textContent = "";
  }
}

// --- the verification queue ---------------------------------------------------------------

const QUEUE_PAGE = 50;
/// The queue as shown: its page (by the API's cursors), the items and the total.
const queue = { page: 0, cursors: [null], items: [], total: 0 };

async function loadQueue(page = queue.page) {
  const list = $("queue");
  if (!me.may.includes("verify")) return;
  try {
    const extra = { status: "unverified,disputed", sort: "start", limit: QUEUE_PAGE, total: "true", fields: "list" };
    if (queue.cursors[page]) extra.cursor = queue.cursors[page];
    const current = ask("queue");
    const r = await api(`/api/v1/agreements/${agreement}/incidents?${filterQuery(extra)}`);
    if (!current()) return;
    queue.page = page;
    queue.items = r.incidents;
    queue.total = r.total;
    queue.cursors.length = page + 1;
    queue.cursors.push(r.next_cursor);
    list.replaceChildren(...r.incidents.map((i) => el("li", { tabindex: "-1", "data-id": i.id, "data-day": localDay(i.start), onclick: () => openIncident(i.id) }, ...incidentLine(i))));

    if (!r.incidents.length) list.replaceChildren(el("li", { class: "note" }, t("queue.empty")));
    list.start = page * QUEUE_PAGE + 1;
    const first = page * QUEUE_PAGE + 1, last = page * QUEUE_PAGE + r.incidents.length;
    $("queue-count").textContent = r.incidents.length
      ? t("queue.count", { n: r.total, day: fmtDay(lastDay()), first, last })
      : t("queue.count_none", { n: r.total });
    $("queue-prev").disabled = page === 0;
    $("queue-next").disabled = !r.next_cursor;
    markCurrent(view.incident);
  } catch (e) {
    showError(list, e);
  }
}

/// After a verdict from the queue: the queue read again, and the incident after the one
/// just decided opened (the next page's first at the end of a page).
async function nextInQueue(id) {
  const before = queue.items.findIndex((x) => x.id === id);
  await loadQueue(queue.page);
  const still = queue.items.findIndex((x) => x.id === id);
  const at = still >= 0 ? still + 1 : Math.max(0, before);
  if (at < queue.items.length) return openIncident(queue.items[at].id);
  if (queue.cursors[queue.page + 1]) {
    await loadQueue(queue.page + 1);
    if (queue.items.length) return openIncident(queue.items[0].id);
  }
  closeIncident();
  $("queue-count").textContent = t("queue.end", { n: queue.total });

}

/// Moves through the queue by keyboard, across pages.
async function stepQueue(by) {
  const at = queue.items.findIndex((x) => x.id === view.incident);
  const to = at < 0 ? 0 : at + by;
  if (to >= queue.items.length) {
    if (!queue.cursors[queue.page + 1]) return;
    await loadQueue(queue.page + 1);
    if (queue.items.length) openIncident(queue.items[0].id);
    return;
  }
  if (to < 0) {
    if (queue.page === 0) return;
    await loadQueue(queue.page - 1);
    if (queue.items.length) openIncident(queue.items[queue.items.length - 1].id);
    return;
  }
  openIncident(queue.items[to].id);
}

/// A verdict key: the status chosen in the open incident's form and the reason asked for.
function verdictKey(status) {
  const form = $("verify-form");
  if (!form || $("drawer").hidden) return;
  form.status.value = status;
  form.reason.focus();
}

const QUEUE_KEYS = {
  j: () => stepQueue(1), ArrowDown: () => stepQueue(1),
  k: () => stepQueue(-1), ArrowUp: () => stepQueue(-1),
  c: () => verdictKey("confirmed"), o: () => verdictKey("corroborated"),
  d: () => verdictKey("disputed"), r: () => verdictKey("rejected"),
};

function onKey(e) {
  if (e.key === "Escape" && !$("drawer").hidden) {
    e.preventDefault();
    closeIncident();
    return;
  }
  if (view.tab !== "queue" || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable]")) return;
  const act = QUEUE_KEYS[e.key];
  if (!act) return;
  e.preventDefault();
  act();
}

// --- report form ------------------------------------------------------------------------

/// A fresh random key (a report's Idempotency-Key).
function newKey() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

async function initReportForm(parties) {
  const form = $("report-form");
  if (!me.may.includes("submit")) return;
  $("report-tab").hidden = false;
  const [codebook, sources] = await Promise.all([api("/api/v1/codebook"), api("/api/v1/sources")]);
  // The server says which sources this user may submit for (its access policy).
  const allowed = sources.sources.filter((s) => me.submit_sources.includes(s.id));
  // Nothing chosen for the monitor: a hand-typed report names its own source.
  form.source.append(...allowed.map((s) => el("option", { value: s.id }, `${s.name} (${word("source_kind", s.kind)})`)));
  if (allowed.length === 1) form.source.value = allowed[0].id;
  form.type.replaceChildren(...codebook.event_types.map((x) => el("option", { value: x.type }, word("type", x.type))));
  for (const p of parties) form.perpetrator.append(el("option", { value: p }, actorName(p)));
  restoreDraft(form);
  map.on("click", (e) => {
    if (view.tab !== "report") return;
    form.lon.value = e.latlng.lng.toFixed(4);
    form.lat.value = e.latlng.lat.toFixed(4);
    saveDraft(form);
  });
  form.addEventListener("input", () => {
    $("report-result").textContent = "";
    $("report-warnings").replaceChildren();
    saveDraft(form);
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const item = { key: draftKey(), agreement, body: reportBody(form), state: "sending", at: new Date().toISOString() };
    const result = $("report-result");
    const answer = await sendReport(item);
    if (answer.state === "waiting") {
      // No connection (or the server cannot take it now): kept, sent later, form free.
      putInOutbox(answer);
      clearDraft(form);
      result.textContent = t("report.queued");
      return;
    }
    if (answer.state === "refused") {
      markProblems(form, answer.problems);
      result.textContent = t("report.not_stored", { message: answer.problem });
      return;
    }
    showStored(form, answer.answer);
    clearDraft(form);
    await Promise.all([loadIncidents(), loadTimeline(), loadQueue()]);
  });
  $("outbox-send").addEventListener("click", () => sendOutbox());
  renderOutbox();
}

// --- drafts and the outbox ---------------------------------------------------------------
//
// What a monitor types is never lost: the form is kept in this browser as it is typed
// (`truce.draft`), and a report that cannot reach the server goes into the outbox
// (`truce.outbox`) with its Idempotency-Key, to be sent when the connection returns. The
// server stores a key's report once, however often it is sent.

const DRAFT = "truce.draft";
const OUTBOX = "truce.outbox";
const DRAFT_FIELDS = ["source", "type", "start", "end", "lon", "lat", "place", "location_precision", "perpetrator", "credibility", "text"];

function readStored(name, empty) {
  try {
    return JSON.parse(localStorage.getItem(name)) ?? empty;
  } catch {
    return empty;
  }
}

/// The draft's key: one per filled-in form, so a resubmission after a lost answer stores
/// nothing twice; a new one once the report is stored or queued.
function draftKey() {
  const draft = readStored(DRAFT, {});
  if (!draft.key) {
    draft.key = newKey();
    localStorage.setItem(DRAFT, JSON.stringify(draft));
  }
  return draft.key;
}

function saveDraft(form) {
  const draft = { key: draftKey(), fields: {} };
  for (const f of DRAFT_FIELDS) draft.fields[f] = form[f].value;
  localStorage.setItem(DRAFT, JSON.stringify(draft));
}

function restoreDraft(form) {
  const draft = readStored(DRAFT, {});
  for (const [f, v] of Object.entries(draft.fields || {})) {
    if (!DRAFT_FIELDS.includes(f) || v === "") continue;
    // A choice no longer offered (another user's source) is left as the form has it.
    if (form[f].tagName === "SELECT" && ![...form[f].options].some((o) => o.value === v)) continue;
    form[f].value = v;
  }
}

function clearDraft(form) {
  localStorage.removeItem(DRAFT);
  for (const f of ["start", "end", "lon", "lat", "place", "text"]) form[f].value = "";
}

function clearFieldErrors(form) {
  for (const e of form.querySelectorAll(".field-error")) e.remove();
  for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
}

/// The report as the API takes it, from the form.
function reportBody(form) {
  const num = (v) => (v.trim() === "" ? undefined : Number(v));
  const location = { precision: Number(form.location_precision.value) };
  if (form.lon.value.trim() !== "") location.lon = num(form.lon.value);
  if (form.lat.value.trim() !== "") location.lat = num(form.lat.value);
  if (form.place.value.trim() !== "") location.place = form.place.value.trim();
  const utc = (v) => (v ? `${v.length === 16 ? `${v}:00` : v}Z` : "");
  const body = {
    source: form.source.value,
    occurred: { start: utc(form.start.value), end: utc(form.end.value), precision: 1 },
    location,
    type: form.type.value,
    credibility: Number(form.credibility.value),
    text: form.text.value,
  };
  if (form.perpetrator.value) body.perpetrator = form.perpetrator.value;
  return body;
}

/// Sends one report with its key. The item comes back as "stored" (with the answer),
/// "refused" (with the problems the server named) or "waiting" (no connection, or an
/// answer that says to try again later).
async function sendReport(item) {
  const headers = { "Content-Type": "application/json", "Idempotency-Key": item.key };
  if (me.csrf) headers["X-CSRF-Token"] = me.csrf;
  let r, answer;
  try {
    r = await fetch(`/api/v1/agreements/${item.agreement}/reports`, { method: "POST", headers, body: JSON.stringify(item.body) });
    answer = await r.json().catch(() => null);
  } catch {
    return { ...item, state: "waiting" };
  }
  // Still in progress under this key, busy, or not reachable through a proxy: again later.
  if (r.status === 409 || r.status === 429 || r.status >= 500) return { ...item, state: "waiting" };
  if (r.status === 401 || (r.status === 403 && !me.csrf)) return { ...item, state: "waiting", login: true };
  if (!r.ok) {
    const problems = (answer && answer["invalid-params"]) || [];
    const problem = problems.length ? problems.map((p) => p.reason).join("; ") : (answer && answer.detail) || `${r.status}`;
    return { ...item, state: "refused", problem, problems };
  }
  return { ...item, state: "stored", answer, problem: undefined, problems: undefined };
}

/// Every problem the server names, marked at its field.
function markProblems(form, problems) {
  const fields = { "/location/lon": "lon", "/location/lat": "lat", "/location/place": "place", "/location": "lon",
    "/occurred/start": "start", "/occurred/end": "end", "/occurred": "start", "/type": "type", "/text": "text",
    "/source": "source", "/perpetrator": "perpetrator" };
  for (const p of problems || []) {
    const field = fields[p.name];
    if (field && form[field]) {
      form[field].setAttribute("aria-invalid", "true");
      form[field].closest("label").append(el("span", { class: "field-error", role: "alert" }, p.reason));
    }
  }
}

/// The server's answer to a stored report: its id, the incident it made or joined, and any
/// warning (a place name the gazetteer does not know, with the names it may have meant).
function showStored(form, answer) {
  const result = $("report-result");
  result.replaceChildren(t(answer.new_incident ? "report.stored_new" : "report.stored_joined", { report: answer.report }), " ",
    el("a", { href: `?incident=${encodeURIComponent(answer.incident)}`, onclick: (e) => { e.preventDefault(); openIncident(answer.incident); } }, answer.incident), ".");
  result.dataset.incident = answer.incident;
  const warnings = answer.warnings || [];
  $("report-warnings").replaceChildren(...warnings.map((w) => el("li", {}, w.message)));
  for (const w of warnings) {
    const field = w.column === "/location/place" ? form.place : null;
    if (field) field.closest("label").append(el("span", { class: "field-error", role: "alert" }, w.message));
  }
}

function putInOutbox(item) {
  const items = readStored(OUTBOX, []).filter((x) => x.key !== item.key);
  items.push(item);
  localStorage.setItem(OUTBOX, JSON.stringify(items));
  renderOutbox();
}

function updateOutbox(item) {
  const items = readStored(OUTBOX, []);
  const at = items.findIndex((x) => x.key === item.key);
  if (at < 0) return;
  items[at] = item;
  localStorage.setItem(OUTBOX, JSON.stringify(items));
}

function removeFromOutbox(key) {
  localStorage.setItem(OUTBOX, JSON.stringify(readStored(OUTBOX, []).filter((x) => x.key !== key)));
  renderOutbox();
}

/// The outbox in the report tab: each report with its state and, once answered, the
/// answer (the incident it joined, or the problem that refused it).
function renderOutbox() {
  const items = readStored(OUTBOX, []);
  $("outbox-box").hidden = !items.length;
  $("outbox").replaceChildren(...items.map((x) => {
    const b = x.body;
    const place = b.location.place || (b.location.lon !== undefined ? `${b.location.lat}, ${b.location.lon}` : t("place.none"));
    const state = x.state === "stored"
      ? [t("outbox.state.stored", { report: x.answer.report }), " ",
        el("a", { href: `?incident=${encodeURIComponent(x.answer.incident)}`, onclick: (e) => { e.preventDefault(); openIncident(x.answer.incident); } }, x.answer.incident)]
      : x.state === "refused" ? [t("outbox.state.refused", { problem: x.problem })]
      : [t(x.state === "sending" ? "outbox.state.sending" : "outbox.state.waiting")];
    const actions = [];
    if (x.state === "refused") {
      actions.push(el("button", { type: "button", class: "outbox-edit", onclick: () => editFromOutbox(x) }, t("outbox.edit")));
    }
    if (x.state === "refused" || x.state === "stored") {
      actions.push(el("button", { type: "button", class: "outbox-remove", onclick: () => removeFromOutbox(x.key) }, t("outbox.remove")));
    }
    return el("li", { "data-key": x.key, "data-state": x.state },
      t("outbox.line", { time: b.occurred.start ? localTime(b.occurred.start) : "—", type: word("type", b.type), place }),
      el("div", { class: `outbox-state state-${x.state}` }, ...state), el("div", { class: "note" }, b.text), ...actions);
  }));
  const login = items.some((x) => x.login);
  $("outbox-send").hidden = !items.some((x) => x.state === "waiting");
  if (login && !me.csrf) $("report-result").textContent = t("outbox.login");
}

/// A refused report back into the form, to be corrected and sent again under its key.
function editFromOutbox(x) {
  const form = $("report-form");
  const b = x.body;
  const local = (iso) => (iso ? iso.replace(/:00Z$|Z$/, "") : "");
  const values = { source: b.source, type: b.type, start: local(b.occurred.start), end: local(b.occurred.end),
    lon: b.location.lon ?? "", lat: b.location.lat ?? "", place: b.location.place ?? "",
    location_precision: String(b.location.precision), perpetrator: b.perpetrator || "", credibility: String(b.credibility), text: b.text };
  for (const [f, v] of Object.entries(values)) form[f].value = v;
  localStorage.setItem(DRAFT, JSON.stringify({ key: x.key, fields: values }));
  removeFromOutbox(x.key);
  clearFieldErrors(form);
  markProblems(form, x.problems);
  selectTab("report");
  form.text.focus();
}

let flushing = false;

/// Sends every waiting report, oldest first, and shows each answer. A fresh session is
/// asked for first when the page was opened without a connection (its CSRF token).
async function sendOutbox() {
  if (flushing) return;
  const waiting = readStored(OUTBOX, []).filter((x) => x.state === "waiting" || x.state === "sending");
  if (!waiting.length) return;
  flushing = true;
  try {
    if (!me.csrf) await loadAccount();
    let sent = 0;
    for (const item of waiting) {
      const answer = await sendReport(item);
      updateOutbox(answer);
      renderOutbox();
      if (answer.state !== "waiting") sent += 1;
      else break;
    }
    if (sent) await Promise.all([loadIncidents(), loadTimeline(), loadQueue()]);
  } finally {
    flushing = false;
  }
}

// --- account ----------------------------------------------------------------------------

/// Who is logged in, from the server; with no connection, who was last (without a CSRF
/// token, so nothing is sent until the server has been asked again).
async function loadAccount() {
  const PUBLIC = { role: "public", may: ["read"], submit_sources: [], csrf: null, user: null };
  try {
    me = await api("/api/v1/session");
    const { csrf, ...kept } = me;
    if (me.user) localStorage.setItem("truce.me", JSON.stringify(kept));
    else if (localStorage.getItem("truce.me")) {
      // The session this browser last saw has ended (it expired, or was closed elsewhere):
      // what was kept of its views goes with it, as on logging out.
      localStorage.removeItem("truce.me");
      await forgetKeptAnswers();
    }
  } catch (e) {
    me = e instanceof TypeError ? { ...PUBLIC, ...readStored("truce.me", {}), csrf: null } : PUBLIC;
  }
  const box = $("account");
  $("queue-tab").hidden = !me.may.includes("verify");
  if (me.user) {
    box.replaceChildren(el("span", { id: "whoami" }, `${me.user.name} (${word("role", me.role)}) `),
      el("button", { type: "button", id: "logout", onclick: logOut }, t("account.logout")));
    return;
  }

  const user = el("input", { name: "user", autocomplete: "username", placeholder: t("account.user"), "aria-label": t("account.user"), required: "required" });
  const password = el("input", { name: "password", type: "password", autocomplete: "current-password", placeholder: t("account.password"), "aria-label": t("account.password"), required: "required" });
  const problem = el("span", { class: "error", role: "alert" });
  const form = el("form", { id: "login-form" }, user, password, el("button", { type: "submit" }, t("account.login")), problem);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await post("/api/v1/login", { user: user.value, password: password.value });
      location.reload();
    } catch (e) {
      problem.textContent = e.message;
    }
  });
  box.replaceChildren(form);
}

/// Forgets every answer of the API the offline copy kept (the page's own files stay, so
/// the dashboard still opens without a connection).
async function forgetKeptAnswers() {
  if (!window.caches) return;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (/^\/(api|ogc|feeds)\//.test(new URL(request.url).pathname)) await cache.delete(request);
    }
  }
}

/// Logs out and forgets what this browser kept of the session's views.
async function logOut() {
  await post("/api/v1/logout", {});
  localStorage.removeItem("truce.me");
  if (window.caches) for (const k of await caches.keys()) await caches.delete(k);
  location.reload();
}

// --- scorecard --------------------------------------------------------------------------


async function loadScorecard() {
  const box = $("scorecard");
  try {
    const card = await api(`/api/v1/agreements/${agreement}/status?as_of=${view.as_of}`);
    lastCard = card;
    const table = el("table", { id: "scorecard-table" },
      el("thead", {}, el("tr", {}, el("th", {}, t("card.point")), el("th", {}, t("card.obligation")), el("th", {}, t("card.status")),
        el("th", {}, t("card.since")), el("th", {}, t("card.basis")))));
    const body = el("tbody", {});
    let doc = null;
    for (const l of card.lines) {
      if (l.document !== doc) {
        doc = l.document;
        body.append(el("tr", { class: "doc" }, el("td", { colspan: "5" }, own(`document.${doc}`, documentTitles[doc] || doc))));
      }
      const flags = [];
      if (l.status.late) flags.push(el("span", { class: "flag" }, t("card.late")));
      if (l.status.breached) flags.push(el("span", { class: "flag" }, t("card.breached")));
      // A line nothing on record decides is drawn apart from a documented failure.
      if (l.status.basis === "no-record" && !l.status.state.includes("no record")) {
        flags.push(el("span", { class: "flag flag-no-record" }, t("card.no_record")));
      }
      // A deadline ahead or missed is shown with its last day on time.
      const due = l.last_day && !/complete|ended/.test(l.status.state)
        ? el("span", { class: "deadline" }, t("card.last_day", { day: fmtDay(l.last_day) })) : null;
      body.append(el("tr", { class: `line basis-${l.status.basis}`, tabindex: "0", "data-obligation": l.obligation,
        onclick: () => explain(l.obligation), onkeydown: (e) => { if (e.key === "Enter") explain(l.obligation); } },
        el("td", {}, l.point), el("td", {}, obligationTitle(l), " ", el("span", { class: "id" }, l.obligation)),
        el("td", {}, levelBadge(l.status), " ", stateText(l.status.state), due, ...flags),
        el("td", { "data-label": t("card.since") }, fmtDay(l.status.since)),
        el("td", { "data-label": t("card.basis") }, word("basis", l.status.basis))));
    }
    table.append(body);
    box.replaceChildren(...[el("p", { class: "note" }, t("card.intro", { day: fmtDay(card.as_of) }),
      lang === "en" ? "" : ` ${t("card.summaries_english")}`),
      recordNote(card), table].filter((x) => x !== null));
    stackScorecard();
    renderCorridor(card);
    renderDeadlines(card);
    if (view.obligation) explain(view.obligation);
  } catch (e) {
    showError(box, e);
  }
}

/// The scorecard as a table where it fits its panel, as stacked lines on a phone or
/// wherever its words make it wider than the panel.
function stackScorecard() {
  const table = $("scorecard-table");
  if (!table) return;
  table.classList.remove("stacked");
  const narrow = window.matchMedia("(max-width: 600px)").matches;
  if (narrow || table.scrollWidth > $("scorecard").clientWidth + 1) table.classList.add("stacked");
}

/// A scorecard state in the chosen language. The rules' states are a closed list
/// (`state.*` in web/i18n/en.json); an ended line names its day and cause, both kept.
function stateText(state) {
  const ended = /^ended \((\d{4}-\d{2}-\d{2}), (.+)\)$/.exec(state || "");
  if (ended) return t("state.ended_on", { day: fmtDay(ended[1]), cause: word("end_cause", ended[2]) });
  return word("state", state);
}

/// Said when the date asked for lies after the last record on file: what follows says
/// what is known, not what happened.
function recordNote(card) {
  const ends = card.record_ends || {};
  const last = [ends.records, ends.violations].filter(Boolean).sort().pop();
  if (!last || card.as_of <= last) return null;
  return el("p", { class: "note", id: "record-note" }, t("card.record_ends", {
    day: fmtDay(last), records: ends.records ? fmtDay(ends.records) : t("common.none"),
    violations: ends.violations ? fmtDay(ends.violations) : t("common.none") }));
}

async function explain(obligation) {
  const box = $("explain");
  view.obligation = obligation;
  saveView();
  box.hidden = false;
  try {
    const x = await api(`/api/v1/agreements/${agreement}/status/${encodeURIComponent(obligation)}?as_of=${view.as_of}`);
    const l = x.line;
    const ev = el("ul", {});
    for (const e of x.evidence) {
      if (e.kind === "incident") {
        ev.append(el("li", {}, el("a", { href: `?incident=${encodeURIComponent(e.id)}`, onclick: (ev2) => { ev2.preventDefault(); openIncident(e.id); } }, e.id), ` (${t("explain.incident")})`));
      } else {
        ev.append(el("li", {}, `${e.id} (${e.date ? fmtDay(e.date) : t("explain.undated")}): ${e.summary_why ? say(e.summary_why) : e.summary} `,
          el("a", { href: e.source, rel: "noopener noreferrer", target: "_blank" }, t("common.source"))));
      }
    }
    // The point of the document it comes from, in its first text, marked when that text is
    // not the document's own words.
    const ob = (agreementView.obligations || []).find((o) => o.obligation.id === obligation);
    const prov = ob && (agreementView.provisions || []).find((p) => p.id === ob.obligation.provision);
    const text = prov && prov.texts[0];
    const quoted = text ? el("blockquote", { class: "provision", "data-status": text.status },
      t("explain.point", { number: prov.number, text: text.text }), " ",
      el("span", { class: "note" }, `(${text.status === "verbatim" ? "" : `${word("text_status", text.status)}, `}${text.translation}) `),
      el("a", { href: text.source, rel: "noopener noreferrer", target: "_blank" }, t("common.source"))) : null;
    const marks = `${l.status.late ? ` (${t("explain.late")})` : ""}${l.status.breached ? ` (${t("explain.breached")})` : ""}`;
    const deadline = l.deadline_why ? t("explain.deadline", { deadline: say(l.deadline_why) }) + (l.last_day ? `; ${t("explain.last_day", { day: fmtDay(l.last_day) })}` : "") : null;
    box.replaceChildren(
      el("h3", {}, `${l.obligation} — ${obligationTitle(l)}`),
      quoted,
      el("p", {}, levelBadge(l.status), ` ${stateText(l.status.state)}${marks}`),
      deadline ? el("p", {}, deadline) : null,
      el("p", { class: "reason" }, say(l.status.why)),
      el("h3", {}, t("explain.evidence")), x.evidence.length ? ev : el("p", { class: "note" }, t("explain.no_evidence")),
      el("details", {}, el("summary", {}, t("explain.figures")), el("pre", {}, JSON.stringify(l.details, null, 1))),

    );
  } catch (e) {
    showError(box, e);
  }
}

function renderCorridor(card) {
  const box = $("corridor");
  // The agreement's corridor lines: passage (counted traffic and closures) and control.
  const corridors = card.lines.filter((l) => l.kind === "corridor");
  const passage = corridors.find((l) => l.details && l.details.last_days);
  const parts = [];
  for (const l of corridors) {
    parts.push(el("p", {}, levelBadge(l.status), ` ${obligationTitle(l)}: `, el("strong", {}, stateText(l.status.state)),
      l.status.since ? ` ${t("corridor.since", { day: fmtDay(l.status.since) })}` : "", " — ", el("span", { class: "reason" }, say(l.status.why))));
  }
  if (passage && passage.details && passage.details.last_days) {
    const strip = el("div", { id: "corridor-days", role: "img", "aria-label": t("corridor.strip") });
    for (const d of passage.details.last_days) {
      strip.append(el("span", { class: `corridor-day tr-${d.state || "none"}`, title: `${fmtDay(d.date)}: ${d.state ? word("traffic", d.state) : t("corridor.no_data")}` }));
    }
    parts.push(strip);
    // What each day's colour and pattern stands for.
    const legend = el("ul", { id: "corridor-legend" });
    for (const state of ["open", "restricted", "blocked", null]) {
      legend.append(el("li", {}, el("span", { class: `corridor-day tr-${state || "none"}`, "aria-hidden": "true" }),
        state ? word("traffic", state) : t("corridor.no_data")));
    }
    parts.push(legend);
    const changes = el("ul", {});
    for (const c of passage.details.changes || []) changes.append(el("li", {}, `${fmtDay(c.from)}: ${word("traffic", c.state)}`));
    parts.push(el("h3", {}, t("corridor.changes")), changes);
  }
  // The heading names the agreement's own corridor zone, whatever it is called.
  const corridorZone = allZones && allZones.features.find((f) => f.properties.kind === "corridor");
  if (corridorZone) document.querySelector("#tab-corridor h2").textContent = zoneLabel(corridorZone);
  box.replaceChildren(...(parts.length ? parts : [el("p", { class: "note" }, t("corridor.none"))]));
}

function renderDeadlines(card) {
  const list = $("deadlines");
  const rows = card.lines
    .filter((l) => l.last_day && (l.last_day >= card.as_of || l.status.state === "overdue" || l.status.state === "due"))
    .sort((a, b) => a.last_day.localeCompare(b.last_day));
  list.replaceChildren(...rows.map((l) => el("li", { "data-obligation": l.obligation },
    `${fmtDay(l.last_day)} — ${obligationTitle(l)}: ${stateText(l.status.state)} `, el("span", { class: "id" }, l.obligation))));
  if (!rows.length) list.replaceChildren(el("li", { class: "note" }, t("deadlines.none")));
}

// --- timeline ---------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/// An actor's name as the agreement gives it (its id when unknown).
const actorName = (id) => (id === "unattributed" ? t("actor.unattributed") : own(`actor.${id}`, actorNames[id] || id));

/// The agreement's own word (`title`, `actor.ID`, `document.ID`, `obligation.ID`) in the
/// chosen language where its translators wrote one (its folder's `i18n/`), else as the
/// agreement gives it.
function own(key, fallback) {
  return ((agreementView.translations || {})[lang] || {})[key] ?? fallback;
}

/// A scorecard line's obligation title in the chosen language.
const obligationTitle = (l) => own(`obligation.${l.obligation}`, l.title);
/// A colour for every party a bar can stand for; the palette's next for any other.
const EXTRA_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"];
function partyColour(party, order) {
  return PARTY_COLOURS[party] || EXTRA_COLOURS[order % EXTRA_COLOURS.length];
}

let lastCounts = null;

async function loadTimeline() {
  const box = $("timeline");
  try {
    const current = ask("timeline");
    const counts = await api(`/api/v1/agreements/${agreement}/counts?${filterQuery()}`);
    if (!current()) return;
    lastCounts = counts;
    drawTimeline();
  } catch (e) {
    showError(box, e);
  }
}

/// How wide a text is drawn at `size` px in the page's font (any script).
const measure = document.createElement("canvas").getContext("2d");
function textWidth(text, size) {
  measure.font = `${size}px ${getComputedStyle(document.body).fontFamily}`;
  return measure.measureText(text).width;
}

/// Violations per day as stacked bars, drawn at the panel's own width in pixels (so the

/// text stays readable on a phone), with a date axis, a legend naming every party shown
/// and a sentence saying the same for those who do not see the chart.
function drawTimeline() {
  const box = $("timeline");
  if (!lastCounts) return;
  const byDay = new Map();
  const parties = [];
  for (const d of lastCounts.per_day) {
    const n = d.confirmed + d.corroborated;
    if (!n) continue;
    const day = byDay.get(d.date) || {};
    day[d.party] = (day[d.party] || 0) + n;
    byDay.set(d.date, day);
    if (!parties.includes(d.party)) parties.push(d.party);
  }
  const days = [...byDay.keys()].sort();
  if (!days.length) {
    box.replaceChildren(el("p", { class: "note" }, t("timeline.none")));
    return;
  }
  parties.sort((a, b) => (a === "unattributed") - (b === "unattributed") || a.localeCompare(b));
  const colour = new Map(parties.map((p, k) => [p, partyColour(p, k)]));
  const w = Math.max(280, Math.round(box.clientWidth || 600));
  // The legend's rows: every party drawn, by name, wrapped to the chart's width.
  const legend = [[]];
  let lx = 30;
  for (const party of parties) {
    const width = 30 + textWidth(actorName(party), 11);

    if (lx + width > w - 10 && legend[legend.length - 1].length) {
      legend.push([]);
      lx = 30;
    }
    legend[legend.length - 1].push([party, lx]);
    lx += width;
  }
  const left = 30, right = 10, top = 12 + 16 * legend.length, bottom = 26, h = 142 + 16 * legend.length;
  const totals = days.map((d) => Object.values(byDay.get(d)).reduce((a, b) => a + b, 0));
  const max = Math.max(...totals);
  const first = Date.parse(days[0]), last = Date.parse(days[days.length - 1]);
  const span = Math.max(1, (last - first) / 864e5 + 1);
  const dayW = (w - left - right) / span;
  const x = (day) => left + ((Date.parse(day) - first) / 864e5) * dayW;
  const y = (n) => h - bottom - ((h - top - bottom) * n) / max;
  const root = svg("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img",
    "aria-label": t("timeline.chart", { from: fmtDay(days[0]), to: fmtDay(days[days.length - 1]), n: max }) });
  // The value axis: 0 and the highest day.
  for (const n of [0, max]) {
    root.append(svg("line", { x1: left, x2: w - right, y1: y(n), y2: y(n), stroke: "#d7dde2" }));
    const label = svg("text", { x: left - 4, y: y(n) + 4, "font-size": 11, "text-anchor": "end", fill: "#5b6670" });
    label.textContent = fmtNumber(n);
    root.append(label);
  }
  // The date axis: months when the span is short, years when it is long.
  const ticks = [];
  const start = new Date(first), end = new Date(last);
  const byYear = span > 720;
  const cur = new Date(Date.UTC(start.getUTCFullYear(), byYear ? 0 : start.getUTCMonth(), 1));
  while (cur <= end) {
    if (cur >= start) ticks.push(cur.toISOString().slice(0, 10));
    if (byYear) cur.setUTCFullYear(cur.getUTCFullYear() + 1); else cur.setUTCMonth(cur.getUTCMonth() + 1);
  }
  // Labels as far apart as the widest needs, in whatever script the language writes.
  const tickText = (d) => (byYear ? d.slice(0, 4) : monthLabel(d));
  const widest = Math.max(0, ...ticks.map((d) => textWidth(tickText(d), 11))) + 10;
  const every = Math.max(1, Math.ceil(ticks.length / Math.max(1, Math.floor((w - left - right) / widest))));
  let lastRight = -Infinity;
  ticks.forEach((d, k) => {
    root.append(svg("line", { x1: x(d), x2: x(d), y1: h - bottom, y2: h - bottom + 4, stroke: "#5b6670" }));
    if (k % every) return;
    // Kept inside the chart: a label near an edge is not cut, nor drawn over the last.
    const half = textWidth(tickText(d), 11) / 2;
    const at = Math.min(Math.max(x(d), left + half), w - right - half);
    if (at - half < lastRight + 6) return;
    lastRight = at + half;
    const label = svg("text", { x: at, y: h - 8, "font-size": 11, "text-anchor": "middle", fill: "#1d2328" });
    label.textContent = tickText(d);
    root.append(label);
  });

  if (!ticks.length) {
    const label = svg("text", { x: left, y: h - 8, "font-size": 11, fill: "#1d2328" });
    label.textContent = days[0] === days[days.length - 1] ? fmtDay(days[0]) : `${fmtDay(days[0])} – ${fmtDay(days[days.length - 1])}`;
    root.append(label);
  }
  root.append(svg("line", { x1: left, x2: w - right, y1: h - bottom, y2: h - bottom, stroke: "#5b6670" }));
  const bw = Math.max(1.5, dayW - 0.5);
  for (const d of days) {
    let n0 = 0;
    for (const party of parties) {
      const n = byDay.get(d)[party];
      if (!n) continue;
      const r = svg("rect", { x: x(d), y: y(n0 + n), width: bw, height: y(n0) - y(n0 + n), fill: colour.get(party), "data-party": party });
      r.append(svg("title", {}));
      r.lastChild.textContent = `${fmtDay(d)} ${actorName(party)}: ${fmtNumber(n)}`;
      root.append(r);
      n0 += n;
    }
  }
  legend.forEach((row, k) => {
    for (const [party, at] of row) {
      root.append(svg("rect", { x: at, y: 6 + 16 * k, width: 10, height: 10, fill: colour.get(party) }));
      const label = svg("text", { x: at + 14, y: 15 + 16 * k, "font-size": 11, fill: "#1d2328", "data-legend": party });
      label.textContent = actorName(party);
      root.append(label);
    }
  });
  const sum = parties.map((p) => `${actorName(p)} ${fmtNumber(days.reduce((a, d) => a + (byDay.get(d)[p] || 0), 0))}`).join(", ");
  box.replaceChildren(root, el("p", { class: "note", id: "timeline-text" },
    t("timeline.text", { n: days.length, from: fmtDay(days[0]), to: fmtDay(days[days.length - 1]), sum })));
}


// --- statements -------------------------------------------------------------------------

async function loadStatements() {
  const list = $("statements");
  try {
    const s = await api(`/api/v1/agreements/${agreement}/statements`);
    list.replaceChildren(...s.statements
      .slice()
      .sort((a, b) => a.date.localeCompare(b.date))
      .map((x) => el("li", {}, `${fmtDay(x.date)} — ${actorName(x.actor)} (${word("stance", x.stance)}): `,
        // The summary as the agreement's translators wrote it, else the register's English.
        own(`statement.${x.id}`, null) !== null ? el("span", {}, own(`statement.${x.id}`, null)) : el("span", { lang: "en" }, x.summary), " ",
        el("a", { href: x.source, rel: "noopener noreferrer", target: "_blank" }, t("common.source")))));

  } catch (e) {
    showError(list, e);
  }
}

// --- registry ---------------------------------------------------------------------------

const REG_COLOURS = { claimed: "#8c510a", held: "#d6604d", acknowledged: "#f4a582", returned: "#1a9850" };

function registryChart(rows) {
  // Each holding side: its name on a line of its own, then one bar a series.
  const w = 480, barH = 14, gap = 8, left = 8, right = 120, pad = 10, head = 20;
  const series = ["claimed", "held", "acknowledged", "returned"];
  const value = (r, k) => k === "claimed" ? Math.max(0, ...r.claimed.map((c) => c.count))
    : k === "held" ? r.registered_held : k === "acknowledged" ? r.acknowledged : r.returned;
  const max = Math.max(1, ...rows.flatMap((r) => series.map((k) => value(r, k))));
  const h = pad + rows.length * (head + series.length * (barH + 2) + gap) + pad;
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": t("registry.chart") });
  let y = pad;
  for (const r of rows) {
    const label = svg("text", { x: left, y: y + 14, "font-size": 13, "font-weight": "bold" });
    label.textContent = t("registry.held_by", { actor: actorName(r.holder) });
    root.append(label);
    y += head;
    for (const k of series) {
      const n = value(r, k);
      const bw = ((w - left - right) * n) / max;
      const rect = svg("rect", { x: left, y, width: Math.max(bw, 0.5), height: barH, fill: REG_COLOURS[k], "data-series": k, "data-holder": r.holder });
      rect.append(svg("title", {}));
      rect.lastChild.textContent = `${t("registry.held_by", { actor: actorName(r.holder) })}, ${t(`series.${k}`)}: ${fmtNumber(n)}`;
      root.append(rect);
      const label = svg("text", { x: left + bw + 4, y: y + barH - 3, "font-size": 12 });
      label.textContent = `${t(`series.${k}`)} ${fmtNumber(n)}`;
      root.append(label);
      y += barH + 2;
    }
    y += gap;
  }
  return root;
}

async function loadRegistry() {
  const chart = $("registry-chart");
  try {
    const asOf = view.as_of || new Date().toISOString().slice(0, 10);
    const [rec, sum] = await Promise.all([
      api(`/api/v1/agreements/${agreement}/registry/claims?on=${asOf}`),
      api(`/api/v1/registry/summary?as_of=${asOf}`),
    ]);
    const rows = rec.reconciliation;
    const num = (n) => fmtNumber(n);
    chart.replaceChildren(rows.length ? registryChart(rows) : el("p", { class: "note" }, t("registry.empty")));
    $("registry-reconciliation").replaceChildren(
      el("tr", {}, ...["holder", "claimed", "held", "acknowledged", "returned", "exchanged", "unaccounted"].map((x) => el("th", {}, t(`registry.col.${x}`)))),
      ...rows.map((r) => el("tr", {},
        el("td", {}, actorName(r.holder)),
        el("td", {}, r.claimed.map((c) => `${actorName(c.claimant)}: ${c.at_least ? "≥" : ""}${num(c.count)}`).join(", ") || "—"),
        el("td", {}, num(r.registered_held)), el("td", {}, num(r.acknowledged)), el("td", {}, num(r.returned)),
        el("td", {}, num(r.returned_in_exchanges)), el("td", {}, r.unaccounted == null ? "—" : num(r.unaccounted)))));
    const stated = rec.stated_totals || [];
    $("registry-stated-box").hidden = !stated.length;
    const what = (x) => x.measure === "missing"
      ? t("stated.missing", { side: actorName(x.side) })
      : t("stated.moved", { category: word("category", x.category === "bodies" ? "remains" : x.category), measure: word("measure", x.measure), side: actorName(x.side) }) +
        (x.since ? ` ${t("stated.since", { day: fmtDay(x.since) })}` : "");
    $("registry-stated").replaceChildren(
      el("tr", {}, ...["by", "what", "stated", "records", "difference"].map((x) => el("th", {}, t(`stated.col.${x}`)))),
      ...stated.map((x) => el("tr", { "data-tally": x.evidence },
        el("td", {}, `${actorName(x.claimant)}, ${fmtDay(x.when)}`), el("td", {}, what(x)),
        el("td", {}, `${x.at_least ? "≥" : ""}${num(x.stated)}`),
        el("td", {}, x.own == null ? t("stated.no_own") : num(x.own)),
        el("td", {}, x.difference == null ? "—" : (x.difference > 0 ? `+${num(x.difference)}` : num(x.difference))))));
    $("registry-counts").replaceChildren(
      el("tr", {}, ...["side", "category", "status", "persons"].map((x) => el("th", {}, t(`counts.col.${x}`)))),
      ...sum.counts.map((c) => el("tr", {}, el("td", {}, actorName(c.side)), el("td", {}, word("category", c.category)),
        el("td", {}, c.status ? word("person_status", c.status) : t("counts.no_status")), el("td", {}, num(c.count)))));
  } catch (e) {
    showError(chart, e);
  }
  const box = $("registry-persons-box");
  if (!me.may.includes("read-personal")) {
    box.hidden = true;
    return;
  }
  try {
    const p = await api("/api/v1/registry/persons");
    box.hidden = false;
    const nameOf = (names) => Object.entries(names || {}).map(([script, n]) =>
      `${n.surname || ""} ${n.first_names || ""}`.trim() + ` (${script})`).join("; ");
    $("registry-persons").replaceChildren(
      el("tr", {}, ...["id", "side", "category", "held_by", "names", "service_number", "born", "status"].map((x) => el("th", {}, t(`persons.col.${x}`)))),
      ...p.persons.map((x) => {
        const last = x.history[x.history.length - 1];
        return el("tr", { "data-person": x.id },
          el("td", {}, x.id), el("td", {}, actorName(x.side)), el("td", {}, word("category", x.category)), el("td", {}, x.held_by ? actorName(x.held_by) : ""),
          el("td", { class: "names" }, nameOf(x.names)), el("td", {}, x.service_number || ""), el("td", {}, x.birth_date ? fmtDay(x.birth_date) : ""),
          el("td", {}, last ? t("persons.status_since", { status: word("person_status", last.status), day: fmtDay(last.date) }) : t("counts.no_status")));
      }));
  } catch (e) {
    showError(box, e);
  }
}

// --- bulletins --------------------------------------------------------------------------

async function loadBulletins() {
  const list = $("bulletins");
  // The feeds in the chosen language.
  $("feed-alerts").href = `/feeds/${agreement}/alerts.atom?lang=${lang}`;
  $("feed-deadlines").href = `/feeds/${agreement}/deadlines.ics?lang=${lang}`;
  try {
    const r = await api("/api/v1/bulletins");
    if (!r.bulletins.length) {
      list.replaceChildren(el("li", { class: "note" }, t("bulletins.none")));
      return;
    }
    // A bulletin's language is the end of its id (`….ru`); English has none. The chosen
    // language's versions first.
    const langOf = (id) => Object.keys(LANGUAGES).find((l) => id.endsWith(`.${l}`)) || "en";
    const has = r.bulletins.some(({ bulletin: b }) => langOf(b.id) === lang);
    $("feed-bulletins").href = has ? `/feeds/bulletins.atom?lang=${lang}` : "/feeds/bulletins.atom";
    const sorted = r.bulletins.slice().sort((x, y) => (langOf(y.bulletin.id) === lang) - (langOf(x.bulletin.id) === lang));
    list.replaceChildren(...sorted.map(({ bulletin: b, files }) => el("li", { "data-bulletin": b.id },
      el("span", { lang: langOf(b.id), class: "tag" }, LANGUAGES[langOf(b.id)]), " ",
      t("bulletins.line", { from: fmtDay(b.from), to: fmtDay(b.to), agreement: b.agreement, key: b.key }), " ",

      ...["html", "pdf", "markdown", "json", "pdf_signature"].filter((k) => files[k])
        .flatMap((kind, n) => [n ? " · " : "", el("a", { href: files[kind] }, t(`bulletins.file.${kind}`))]))));
  } catch (e) {
    showError(list, e);
  }
}

// --- wiring -----------------------------------------------------------------------------

function selectTab(name) {
  view.tab = name;
  saveView();
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const t of document.querySelectorAll(".tab")) t.hidden = t.id !== `tab-${name}`;
  if (name === "scorecard") stackScorecard();

}

function readFilters() {
  for (const k of FILTERS) {
    const input = $(k.replace("_", "-"));
    view[k] = input.value;
  }
  saveView();
}

/// Back and forward: the incident and tab of that history entry.
function onHistory() {
  const q = Object.fromEntries(new URLSearchParams(location.search));
  if (q.tab && q.tab !== view.tab) selectTab(q.tab);
  if (q.incident) openIncident(q.incident, { push: false });
  else if (!$("drawer").hidden) closeIncident({ push: false });
}

async function main() {
  try {
    await loadLanguage();
    // The language is part of the view: a shared link opens in the language it was sent in.
    view.lang = lang;
    saveView();
    const list = await api("/api/v1/agreements");

    if (!list.agreements.length) throw new Error(t("error.no_agreement"));

    const first = list.agreements.find((a) => a.id === view.agreement) || list.agreements[0];
    agreement = first.id;
    $("agreement-title").textContent = (first.titles || {})[lang] || first.title;
    // Several agreements: a chooser; every panel follows the one chosen (kept in the URL).
    const choice = $("agreement-choice");
    if (list.agreements.length > 1) {
      choice.replaceChildren(...list.agreements.map((x) => el("option", { value: x.id }, (x.titles || {})[lang] || x.title)));
      choice.value = agreement;
      choice.hidden = false;
      // The chooser stands in the title's place: one line names the agreement shown.
      $("agreement-title").replaceChildren(choice);
      choice.onchange = () => {
        view.agreement = choice.value;
        delete view.incident;
        delete view.obligation;
        delete view.zone;
        delete view.party;
        location.assign(`${location.pathname}?${viewQuery()}`);
      };
    }
    if (!view.as_of) view.as_of = new Date().toISOString().slice(0, 10);
    const [a, zones] = await Promise.all([
      api(`/api/v1/agreements/${agreement}?as_of=${view.as_of}`),
      api(`/api/v1/agreements/${agreement}/zones`),
    ]);
    agreementView = a;
    zone = a.time_zone || "UTC";
    documentTitles = a.document_titles || {};
    actorNames = a.actor_names || {};
    const zoneSelect = $("zone");
    // One entry per zone, whatever its versions (named by the latest).
    const byId = new Map();
    for (const f of zones.features) {
      const had = byId.get(f.properties.id);
      if (!had || (f.properties.valid_from || "") > (had.properties.valid_from || "")) byId.set(f.properties.id, f);
    }
    for (const [id, f] of byId) zoneNames.set(id, zoneLabel(f));
    for (const id of [...byId.keys()].sort((x, y) => zoneName(x).localeCompare(zoneName(y), lang))) {
      zoneSelect.append(el("option", { value: id }, zoneName(id)));
    }
    const parties = new Set();
    for (const o of a.obligations) for (const p of o.obligation.obligors) parties.add(p);
    for (const p of [...parties].sort()) $("party").append(el("option", { value: p }, actorName(p)));
    // Sources by name: the queue and lists can be narrowed to one reporter's incidents.
    const sources = await api("/api/v1/sources").catch(() => ({ sources: [] }));
    for (const src of sources.sources.slice().sort((x, y) => x.name.localeCompare(y.name))) {
      $("source").append(el("option", { value: src.id }, src.name));
    }
    for (const k of FILTERS) $(k.replace("_", "-")).value = view[k] || "";
    initMap(zones);
    // Place names first: every list names places in the chosen language.
    await loadPlaces();
    await loadAccount();
    const restricted = (view.tab === "queue" && !me.may.includes("verify")) || (view.tab === "report" && !me.may.includes("submit"));
    selectTab(restricted ? "scorecard" : view.tab || "scorecard");
    await Promise.all([loadScorecard(), loadIncidents(), loadTimeline(), loadStatements(), loadPoints(), loadQueue(), loadRegistry(), loadBulletins(), runSearch(),

      initReportForm([...parties].sort())]);
  } catch (e) {
    showError($("scorecard"), e);
  }
  $("filters").addEventListener("change", async (ev) => {
    readFilters();
    queue.cursors = [null];
    const lists = [loadIncidents(), loadTimeline(), loadQueue(0), runSearch()];
    if (ev.target.id === "as-of") {
      drawZones();
      await Promise.all([loadScorecard(), loadRegistry(), ...lists]);
    }
    else await Promise.all(lists);
  });
  $("incident-sort").value = view.sort || "-start";
  $("incident-sort").addEventListener("change", () => {
    view.sort = $("incident-sort").value === "-start" ? "" : $("incident-sort").value;
    saveView();
    loadIncidents();
  });
  $("incident-more").addEventListener("click", moreIncidents);
  $("queue-prev").addEventListener("click", () => loadQueue(Math.max(0, queue.page - 1)));
  $("queue-next").addEventListener("click", () => loadQueue(queue.page + 1));
  $("drawer-close").addEventListener("click", () => closeIncident());
  $("q").value = view.q || "";
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    view.q = $("q").value.trim();
    saveView();
    selectTab("search");
    runSearch();
  });
  document.addEventListener("keydown", onKey);
  let resizing = null;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(() => { drawTimeline(); stackScorecard(); }, 150); });

  window.addEventListener("popstate", onHistory);
  // The connection: said when lost; when it returns, the views are read again and the
  // outbox is sent.
  window.addEventListener("offline", showConnection);
  // Kept views read again from the server (a view the server could not give is kept,
  // and the notice stays until one it can replaces it).
  const refresh = async () => {
    shownSince = null;
    showConnection();
    await loadAccount();
    await Promise.all([loadScorecard(), loadIncidents(), loadTimeline(), loadQueue()]);
  };
  window.addEventListener("online", async () => {
    await refresh();
    if (me.may.includes("submit")) await sendOutbox();
  });
  showConnection();
  if (me.may.includes("submit") && navigator.onLine) sendOutbox();
  // Every half minute while the page is open: waiting reports tried again, and views
  // shown from the kept copy read again once the connection is back.
  setInterval(async () => {
    if (!navigator.onLine) return;
    if (shownSince) await refresh();
    if (me.may.includes("submit")) await sendOutbox();
  }, 30000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch((e) => console.warn("no offline copy:", e));
  }

  if (view.incident) openIncident(view.incident, { push: false });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => selectTab(b.dataset.tab));
  $("tile-url").value = localStorage.getItem("truce.tiles") || "";
  $("save-tiles").addEventListener("click", () => {
    const v = $("tile-url").value.trim();
    if (v) localStorage.setItem("truce.tiles", v); else localStorage.removeItem("truce.tiles");
    location.reload();
  });
  document.body.dataset.ready = "true";
}

main();

// Truce's service worker: the dashboard opens and stays readable with no connection.
//
// - The page and every file it loads (all served by this server) are kept at install.
// - Public data (scorecard, zones, map points, lists) is fetched from the network first;
//   each answer is kept with the time it was fetched, and given back, marked with that
//   time (`X-Truce-Stored`), only when the network cannot be reached.
// - Nothing personal is kept: the session, the registry's persons and any answer the
//   server marks `no-store` or `private` go to the network only.
// - Writes (reports) are never replayed here: the page keeps them in its outbox and sends
//   them itself, with their Idempotency-Keys, so it can show each answer.
"use strict";

const VERSION = "truce-v1";
const SHELL = [
  "/", "/app.js", "/app.css", "/icon.svg", "/manifest.webmanifest",
  "/i18n/en.json", "/i18n/ru.json", "/i18n/hy.json", "/i18n/az.json",
  "/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css",
  "/vendor/leaflet.markercluster/leaflet.markercluster.js",
  "/vendor/leaflet.markercluster/MarkerCluster.css",
  "/vendor/leaflet.markercluster/MarkerCluster.Default.css",
];
/// Paths never kept, whatever their headers say.
const PRIVATE = [/^\/api\/v1\/session/, /^\/api\/v1\/registry\/persons/, /^\/api\/v1\/login/, /^\/api\/v1\/logout/,
  /^\/api\/v1\/users/, /^\/api\/v1\/tokens/, /^\/api\/v1\/audit/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
    await self.clients.claim();
  })());
});

/// Whether an answer may be kept on this device.
function keepable(url, response) {
  if (!response.ok || response.type !== "basic") return false;
  if (PRIVATE.some((p) => p.test(url.pathname))) return false;
  const cc = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !cc.includes("no-store") && !cc.includes("private");
}

/// A copy of an answer with the time it was fetched.
async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set("X-Truce-Stored", new Date().toISOString());
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/// The most answers kept: the oldest kept go first (the page's own files stay).
const MOST = 300;
async function prune(cache) {
  const keys = await cache.keys();
  const data = keys.filter((k) => !SHELL.includes(new URL(k.url).pathname) || new URL(k.url).search);
  for (const k of data.slice(0, Math.max(0, data.length - MOST))) await cache.delete(k);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Only the dashboard itself opens offline; other pages (a bulletin, the API explorer)
  // are the network's.
  if (request.mode === "navigate" && url.pathname !== "/") return;

  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    // The page itself is kept under "/", whatever its query (the view lives there).
    const key = request.mode === "navigate" ? "/" : request;
    try {
      const response = await fetch(request);
      if (keepable(url, response)) {
        const copy = await stamped(response.clone());
        await cache.put(key, copy);
        await prune(cache);
      }
      return response;
    } catch (err) {
      const kept = await cache.match(key);
      if (kept) return kept;
      throw err;
    }
  })());
});

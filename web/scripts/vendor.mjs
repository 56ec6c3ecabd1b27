// Copies the browser files of the npm dependencies into web/vendor/, where truce serve
// embeds them (no CDN, no download when the server runs). Run after changing a version
// in package.json: `npm install && npm run vendor`.
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(web, "node_modules");
const copies = [
  ["leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  ["leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet/LICENSE", "leaflet/LICENSE"],
  ["leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"],
  ["leaflet.markercluster/dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"],
  ["leaflet.markercluster/dist/MarkerCluster.Default.css", "leaflet.markercluster/MarkerCluster.Default.css"],
  ["leaflet.markercluster/MIT-LICENCE.txt", "leaflet.markercluster/MIT-LICENCE.txt"],
];
for (const [from, to] of copies) {
  mkdirSync(dirname(join(web, "vendor", to)), { recursive: true });
  cpSync(join(nm, from), join(web, "vendor", to));
}
for (const image of readdirSync(join(nm, "leaflet/dist/images"))) {
  cpSync(join(nm, "leaflet/dist/images", image), join(web, "vendor/leaflet/images", image));
}
console.log("vendored", copies.length, "files and the Leaflet images");

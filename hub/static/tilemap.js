/* The zoomable tile map of /karte, only when MAP_TILE_URL is set (the page then carries the
   tile address and the markers as a JSON data block). Without JavaScript, or if Leaflet is
   missing, the section stays hidden and the SVG map and the list serve alone. */
(function () {
  "use strict";
  var data = document.getElementById("kachelkarte-daten");
  var box = document.querySelector(".tile-map-box");
  if (!data || !box || typeof window.L === "undefined") { return; }
  var config = JSON.parse(data.textContent);
  box.hidden = false;
  var map = window.L.map("kachelkarte", {
    zoomControl: false, attributionControl: false, scrollWheelZoom: false
  });
  window.L.control.zoom({ zoomInTitle: "Vergrößern", zoomOutTitle: "Verkleinern" }).addTo(map);
  window.L.tileLayer(config.url, { maxZoom: 18, minZoom: 8 }).addTo(map);
  var bounds = [];
  config.places.forEach(function (place) {
    // One marker per municipality: a real link with the count in words, keyboard-reachable.
    var link = document.createElement("a");
    link.href = place.url;
    link.textContent = place.name + ": " + place.count;
    link.setAttribute("aria-label", place.label);
    var icon = window.L.divIcon({ className: "place-marker", html: link, iconSize: null });
    window.L.marker([place.lat, place.lon], { icon: icon, keyboard: false, interactive: false })
      .addTo(map);
    bounds.push([place.lat, place.lon]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 });
  } else {
    map.setView([49.65, 8.62], 10);  /* the district's middle */
  }
  // Leaflet gives the container tabindex=0 for arrow-key panning: say what it is.
  var container = map.getContainer();
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", "Zoombare Karte, mit Pfeiltasten verschieben");
}());

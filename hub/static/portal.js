/* Progressive enhancement of the portal: the Merkliste (watch list) in localStorage, kept only
   in this browser (no cookie, no request elsewhere), and the way back to the last search.
   Every page works without this script. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var KEY = "bildungsdaten-merkliste";

  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && typeof i.id === "string"; }) : [];
    } catch (e) { return []; }
  }
  function save(items) {
    try { window.localStorage.setItem(KEY, JSON.stringify(items)); return true; } catch (e) { return false; }
  }
  function has(items, id) { return items.some(function (i) { return i.id === id; }); }
  function listUrl(items) {
    return "/merkliste?" + items.map(function (i) { return "angebot=" + encodeURIComponent(i.id); }).join("&");
  }
  function say(text) {
    var status = document.getElementById("merkliste-status");
    if (status) { status.textContent = text; }
  }

  // Offer page: one button that adds or removes the offer, saying what it did.
  var offer = document.querySelector("[data-offer]");
  var button = document.querySelector("[data-watch]");
  if (offer && button) {
    var id = offer.getAttribute("data-offer");
    var title = offer.getAttribute("data-title");
    var status = document.createElement("p");
    status.id = "merkliste-status";
    status.setAttribute("role", "status");
    button.parentNode.appendChild(status);
    var render = function () {
      var on = has(load(), id);
      button.textContent = on ? "Von der Merkliste entfernen" : "Auf die Merkliste";
      button.setAttribute("aria-pressed", on ? "true" : "false");
    };
    button.addEventListener("click", function () {
      var items = load();
      if (has(items, id)) {
        items = items.filter(function (i) { return i.id !== id; });
        if (save(items)) { say("Von der Merkliste entfernt."); }
      } else {
        items.push({ id: id, title: title });
        if (save(items)) {
          say("Auf der Merkliste gespeichert. Sie haben " + items.length + " Angebote gemerkt.");
        } else { say("Die Merkliste kann in diesem Browser nicht gespeichert werden."); }
      }
      render();
    });
    render();
  }

  // Merkliste page: show the stored list (the server renders the offers the URL names).
  if (window.location.pathname === "/merkliste") {
    var items = load();
    if (!window.location.search && items.length) {
      window.location.replace(listUrl(items));
      return;
    }
    document.querySelectorAll("[data-remove]").forEach(function (remove) {
      remove.addEventListener("click", function () {
        var gone = remove.getAttribute("data-remove");
        var rest = load().filter(function (i) { return i.id !== gone; });
        save(rest);
        window.location.replace(rest.length ? listUrl(rest) : "/merkliste");
      });
    });
    var print = document.querySelector("[data-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  }

  // "Zurück zur Suche" returns to the search the visitor came from, with all its filters.
  var back = document.querySelector("[data-back-to-search]");
  if (back && document.referrer) {
    try {
      var from = new URL(document.referrer);
      if (from.origin === window.location.origin && from.pathname === "/angebote") {
        back.setAttribute("href", from.pathname + from.search);
      }
    } catch (e) { /* an unparsable referrer keeps the plain link */ }
  }
}());

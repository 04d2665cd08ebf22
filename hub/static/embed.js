// Tells the host page this list's height; the host resizes the frame only if it opted in
// (embed-host.js). Only a number is sent, so any origin may receive it.
(function () {
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "bildungsdaten-hub:height", height: height }, "*");
    }
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  // The host's script may start after this frame reported (it follows the frame on the page):
  // it asks, and the frame reports again.
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data &&
        event.data.type === "bildungsdaten-hub:ask") {
      last = 0;
      report();
    }
  });
  report();
})();

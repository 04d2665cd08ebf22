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
  report();
})();

// Opt-in for host pages: resizes every <iframe data-bildungsdaten-hub> to the height its list
// reports, accepting messages only from the frame's own window and the hub's origin.
(function () {
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "bildungsdaten-hub:height") return;
    var height = Number(data.height);
    if (!isFinite(height) || height < 50 || height > 20000) return;
    var frames = document.querySelectorAll("iframe[data-bildungsdaten-hub]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow === event.source &&
          new URL(frame.src, document.baseURI).origin === event.origin) {
        frame.style.height = height + "px";
        frame.setAttribute("height", String(height));
      }
    }
  });
  // A frame that loaded before this script ran has reported already, unheard: ask each frame
  // again now and whenever it loads (the ask goes only to the hub's origin).
  function ask(frame) {
    try {
      frame.contentWindow.postMessage({ type: "bildungsdaten-hub:ask" },
                                      new URL(frame.src, document.baseURI).origin);
    } catch (e) { /* a frame without a usable src: nothing to ask */ }
  }
  var frames = document.querySelectorAll("iframe[data-bildungsdaten-hub]");
  for (var i = 0; i < frames.length; i++) {
    (function (frame) {
      frame.addEventListener("load", function () { ask(frame); });
      ask(frame);
    })(frames[i]);
  }
})();

// The hub's only script (the Content-Security-Policy allows no inline script). Every page
// works without it; it adds focus on error summaries and the upload form's progress note.
(function () {
  "use strict";
  // Error summaries and report results are focused on load so screen readers announce them.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // Large files take seconds: say so, and keep a second click from sending the file again.
  var form = document.getElementById("hochladen");
  if (!form) { return; }
  var status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    if (form.dataset.gesendet) { event.preventDefault(); return; }
    form.dataset.gesendet = "1";
    form.setAttribute("aria-busy", "true");
    status.textContent =
      "Die Datei wird hochgeladen und geprüft. Bei großen Dateien dauert das einige Sekunden – " +
      "bitte warten, der Bericht erscheint hier.";
  });
  window.addEventListener("pageshow", function () {  // back button: the form is usable again
    delete form.dataset.gesendet;
    form.removeAttribute("aria-busy");
    status.textContent = "";
  });
})();

// Progressive enhancement for the import progress page: without JavaScript the page has an
// "Atualizar" link; with it, the numbers refresh every few seconds and the page reloads
// once the import has finished (to show the error report link).
(function () {
  "use strict";
  var section = document.querySelector("[data-import-progress]");
  if (!section || section.getAttribute("data-finished") === "true" || !window.fetch) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = section.querySelector("progress");
  function show(state) {
    ["percent", "created_rows", "updated_rows", "unchanged_rows", "error_rows"].forEach(function (name) {
      var cell = section.querySelector('[data-import="' + name + '"]');
      if (cell) { cell.textContent = String(state[name]); }
    });
    if (bar) { bar.value = state.percent; }
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        show(state);
        if (state.finished) { window.location.reload(); } else { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();

// Progressive enhancement: while a bulk job runs, reload its page every few seconds.
// Without JavaScript the "Atualizar o progresso" link does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.getAttribute("data-running") !== "true") { return; }
  setTimeout(function () { window.location.reload(); }, 4000);
})();

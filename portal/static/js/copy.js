// Progressive enhancement: a "copy" button for read-only fields. Without JavaScript the
// field can still be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll(".js-copy").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-target"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () {
        button.textContent = button.getAttribute("data-done") || "✓";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();

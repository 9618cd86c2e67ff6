// Progressive enhancement for the Pix page: a countdown to the code's expiry and a status
// that updates by itself. Without JavaScript the page has a refresh link.
(function () {
  "use strict";
  var countdown = document.querySelector(".js-countdown");
  if (countdown) {
    var expires = new Date(countdown.getAttribute("data-expires")).getTime();
    var label = countdown.getAttribute("data-label");
    var tick = function () {
      var left = Math.max(0, Math.floor((expires - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      countdown.textContent = "(" + label + " " + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + ")";
      if (left > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
  var status = document.getElementById("pix-status");
  if (!status || !window.fetch) { return; }
  var url = status.getAttribute("data-status-url");
  var poll = function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.paid) {
          var p = document.createElement("p");
          p.className = "notice notice--success";
          p.textContent = status.getAttribute("data-paid-text");
          status.replaceChildren(p);
          var qr = document.querySelector(".qr");
          if (qr) { qr.closest("section").hidden = true; }
          return;
        }
        setTimeout(poll, 4000);
      })
      .catch(function () { setTimeout(poll, 8000); });
  };
  setTimeout(poll, 3000);
})();

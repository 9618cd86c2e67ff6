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
        var done = null;
        if (data && data.paid) {
          done = ["notice--success", "data-paid-text"];
        } else if (data && data.ended) {
          done = ["notice--error", "data-ended-text"];
        } else if (data && data.refunding) {
          done = ["notice--info", "data-refunding-text"];
        } else if (data && (data.status === "expired" || data.status === "canceled")) {
          done = ["notice--warning", "data-expired-text"];
        }
        if (done) {
          var p = document.createElement("p");
          p.className = "notice " + done[0];
          p.textContent = status.getAttribute(done[1]);
          status.replaceChildren(p);
          var qr = document.querySelector(".qr");
          if (qr) { qr.closest("section").hidden = true; }
          var sandbox = document.querySelector(".sandbox");  // no "Simular pagamento" any more
          if (sandbox) { sandbox.hidden = true; }
          return;
        }
        setTimeout(poll, 4000);
      })
      .catch(function () { setTimeout(poll, 8000); });
  };
  setTimeout(poll, 3000);
})();

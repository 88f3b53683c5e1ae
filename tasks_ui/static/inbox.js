/* Alur inbox: step timers tick in the browser; the list re-fetches itself to show others' changes.
 *
 * Each [data-timer] carries what the server knew when it rendered: office seconds elapsed, the standard
 * seconds, whether the office clock runs now (data-running) and in how many seconds that changes
 * (data-change-in: closing or next opening), and seconds until the SLA deadline (wall time). Between
 * renders we only add the office time that passes; the poll brings the server's figures back.
 */
(function () {
  "use strict";
  var WARNING_RATIO = 0.75;
  var LABELS = {};

  function num(el, name) {
    var value = el.getAttribute("data-" + name);
    return value === null || value === "" ? null : parseFloat(value);
  }

  function clockText(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function officeSecondsSince(el, wall) {
    var changeIn = num(el, "change-in") || 0;
    if (el.getAttribute("data-running") === "1") {
      return Math.min(wall, changeIn); // the office closes after changeIn seconds
    }
    return Math.max(0, wall - changeIn); // it opens after changeIn seconds
  }

  function stateOf(el, elapsed, wall) {
    var standard = num(el, "standard"), slaIn = num(el, "sla-in");
    var initial = el.getAttribute("data-initial-state");
    if (initial === "overdue") { return "overdue"; }
    if ((standard && elapsed >= standard) || (slaIn !== null && wall >= slaIn)) { return "overdue"; }
    if (initial === "warning" || (standard && elapsed >= WARNING_RATIO * standard)) { return "warning"; }
    return "on_time";
  }

  function tick(timers, started) {
    var wall = (Date.now() - started) / 1000;
    timers.forEach(function (el) {
      var elapsed = (num(el, "elapsed") || 0) + officeSecondsSince(el, wall);
      var clock = el.querySelector(".timer-clock");
      if (clock) { clock.textContent = clockText(elapsed); }
      var state = stateOf(el, elapsed, wall);
      if (!el.classList.contains(state)) {
        el.classList.remove("on_time", "warning", "overdue");
        el.classList.add(state);
        var label = el.querySelector(".timer-state");
        if (label && LABELS[state]) { label.textContent = LABELS[state]; }
      }
    });
  }

  var timers = [], started = Date.now();

  function collect() {
    timers = Array.prototype.slice.call(document.querySelectorAll("[data-timer]"));
    timers.forEach(function (el) {
      el.setAttribute("data-initial-state", el.getAttribute("data-state"));
    });
    started = Date.now();
  }

  function poll(region) {
    var url = region.getAttribute("data-poll-url");
    var seconds = parseFloat(region.getAttribute("data-poll-seconds")) || 12;
    window.setInterval(function () {
      if (document.hidden || region.contains(document.activeElement)) { return; }
      fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          region.innerHTML = html;
          collect();
          tick(timers, started);
        })
        .catch(function () { /* offline for a moment: keep the list we have */ });
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var labels = document.getElementById("timer-labels");
    if (labels) { LABELS = JSON.parse(labels.textContent); }
    collect();
    window.setInterval(function () { tick(timers, started); }, 1000);
    var region = document.getElementById("inbox-lists");
    if (region) { poll(region); }
  });
})();

/* While a chain check runs in the background, ask the server how far it is every two seconds and move the
   progress bar; when it has ended, reload the page to show the outcome recorded in the chain. */
(function () {
  "use strict";
  var job = document.getElementById("chain-job");
  if (!job) { return; }
  var bar = document.getElementById("chain-progress"), text = document.getElementById("chain-progress-text");
  function count(n) { return Number(n || 0).toLocaleString(job.dataset.lang); }
  function poll() {
    fetch(job.dataset.poll, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        var check = body && body.check;
        if (!check) { return; }
        if (check.state !== "queued" && check.state !== "running") { window.location.reload(); return; }
        bar.max = Math.max(check.total, 1);
        bar.value = check.checked;
        text.textContent = job.dataset.template.replace("{checked}", count(check.checked)).replace("{total}", count(check.total));
        job.dataset.state = check.state;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

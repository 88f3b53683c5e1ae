/* Replay of one instance on its own BPMN version: a slider over its events colours completed, active and
   cancelled elements and shows the data as of that event; a button asks the server for the re-execution proof.
   A migrated instance ran on several versions: each state names its version and the viewer loads that diagram. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("replay-config").textContent);
  var states = cfg.states, texts = cfg.texts;
  var slider = document.getElementById("replay-slider");
  var MARKERS = ["alur-completed", "alur-active", "alur-cancelled", "alur-fired", "alur-flow-done"];
  var viewer = new BpmnJS({ container: "#replay-canvas" });
  var canvas, registry, marked = [], shownVersion = null, queue = Promise.resolve();

  function format(text, params) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in params ? params[key] : m; });
  }
  function valueText(value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (typeof value === "boolean") { return value ? texts.yes : texts.no; }
    if (Array.isArray(value)) { return value.map(valueText).join(", "); }
    if (typeof value === "object") {
      return Object.keys(value).map(function (key) { return key + ": " + valueText(value[key]); }).join("; ");
    }
    return String(value);
  }
  function mark(id, marker) {
    if (registry.get(id)) { canvas.addMarker(id, marker); marked.push([id, marker]); }
  }

  function colour(state) {
    marked.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    marked = [];
    var active = {}, done = {};
    state.active.forEach(function (id) { active[id] = true; });
    state.completed.concat(state.path).forEach(function (id) { if (!active[id]) { done[id] = true; } });
    Object.keys(done).forEach(function (id) { mark(id, "alur-completed"); });
    state.active.forEach(function (id) { mark(id, "alur-active"); });
    state.cancelled.forEach(function (id) { if (!done[id] && !active[id]) { mark(id, "alur-cancelled"); } });
    state.fired.forEach(function (id) { mark(id, "alur-fired"); });
    registry.filter(function (e) { return e.type === "bpmn:SequenceFlow"; }).forEach(function (flow) {
      var from = flow.businessObject.sourceRef && flow.businessObject.sourceRef.id;
      var to = flow.businessObject.targetRef && flow.businessObject.targetRef.id;
      if (done[from] && (done[to] || active[to])) { mark(flow.id, "alur-flow-done"); }
    });
  }

  function showData(index) {
    var state = states[index], previous = index > 0 ? states[index - 1].data : {};
    var list = document.getElementById("replay-data");
    list.textContent = "";
    Object.keys(state.data).sort().forEach(function (key) {
      var row = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = key;
      dd.textContent = valueText(state.data[key]);
      if (JSON.stringify(previous[key]) !== JSON.stringify(state.data[key])) {
        row.className = "changed";
        dt.title = texts.au_data_changed;
      }
      row.appendChild(dt); row.appendChild(dd); list.appendChild(row);
    });
  }

  /* The diagram of ``version`` in the viewer (imported only when it changes). */
  function diagram(version) {
    version = String(version || cfg.first_version);
    if (version === shownVersion) { return Promise.resolve(); }
    return viewer.importXML(cfg.diagrams[version]).then(function () {
      shownVersion = version;
      canvas = viewer.get("canvas");
      registry = viewer.get("elementRegistry");
      marked = [];
      canvas.zoom("fit-viewport");
      document.getElementById("replay-version").textContent = cfg.version_labels[version];
      document.body.dataset.replayVersion = version;
    });
  }

  function show(index) {
    if (!states.length) { return; }
    index = Math.max(0, Math.min(states.length - 1, index));
    slider.value = index;
    var state = states[index];
    /* imports are asynchronous: queue them so a fast slider never colours another version's diagram */
    queue = queue.then(function () { return diagram(state.version); }).then(function () {
      if (parseInt(slider.value, 10) !== index) { return; }
      colour(state);
      document.body.dataset.replayIndex = String(index);
    });
    showData(index);
    var fields = { at: state.at_text, type: state.type_text, step: state.step || "—", actor: state.actor };
    document.querySelectorAll("#replay-event [data-field]").forEach(function (dd) { dd.textContent = fields[dd.dataset.field]; });
    document.getElementById("replay-position").textContent =
      format(texts.au_replay_position, { n: index + 1, total: states.length }) + " · #" + state.seq;
    document.getElementById("replay-prev").disabled = index === 0;
    document.getElementById("replay-next").disabled = index === states.length - 1;
  }

  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  document.getElementById("replay-prev").addEventListener("click", function () { show(parseInt(slider.value, 10) - 1); });
  document.getElementById("replay-next").addEventListener("click", function () { show(parseInt(slider.value, 10) + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "INPUT" && event.target !== slider) { return; }
    if (event.key === "ArrowLeft" && event.target !== slider) { show(parseInt(slider.value, 10) - 1); }
    if (event.key === "ArrowRight" && event.target !== slider) { show(parseInt(slider.value, 10) + 1); }
  });

  function detail(label, value) {
    var block = document.createElement("div"), title = document.createElement("strong"), pre = document.createElement("pre");
    title.textContent = label;
    pre.className = "pre";
    pre.textContent = JSON.stringify(value, null, 2);
    block.appendChild(title); block.appendChild(pre);
    return block;
  }

  /* Only the fields that differ, when both sides are one step's data: field | recorded | re-executed. */
  function differences(expected, got) {
    if (!expected || !got || Array.isArray(got) || !expected.data_after || !got.data_after) { return null; }
    var keys = Object.keys(Object.assign({}, expected.data_after, got.data_after)).sort().filter(function (key) {
      return JSON.stringify(expected.data_after[key]) !== JSON.stringify(got.data_after[key]);
    });
    if (!keys.length) { return null; }
    var table = document.createElement("table"), head = table.createTHead().insertRow(), body = table.createTBody();
    table.className = "changes proof-diff";
    ["", texts.au_proof_expected, texts.au_proof_got].forEach(function (text) {
      var th = document.createElement("th"); th.textContent = text; head.appendChild(th);
    });
    keys.forEach(function (key) {
      var tr = body.insertRow(), name = document.createElement("th"), code = document.createElement("code");
      code.textContent = key; name.appendChild(code); name.scope = "row"; tr.appendChild(name);
      [expected.data_after[key], got.data_after[key]].forEach(function (value, index) {
        var td = tr.insertCell(); td.textContent = valueText(value);
        td.dataset.label = index ? texts.au_proof_got : texts.au_proof_expected;
      });
    });
    return table;
  }

  document.getElementById("proof-button").addEventListener("click", function () {
    var out = document.getElementById("proof-result"), button = this;
    out.className = ""; out.textContent = texts.au_proof_running; button.disabled = true;
    fetch(cfg.replay_url, { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        out.textContent = "";
        var verdict = document.createElement("p");
        if (!ok) {
          out.className = "proof-failed";
          verdict.textContent = texts.au_proof_failed + ": " + ((body.error && body.error.message) || "");
          out.appendChild(verdict);
        } else if (body.reproduced) {
          out.className = "proof-ok";
          verdict.textContent = "✔ " + format(texts.au_proof_ok, { n: body.events_checked });
          out.appendChild(verdict);
        } else {
          var d = body.divergence || {};
          out.className = "proof-diverged";
          verdict.textContent = "✖ " + format(texts.au_proof_diverged, { seq: d.seq, reason: d.reason });
          out.appendChild(verdict);
          var table = differences(d.expected, d.got);
          if (table) { out.appendChild(table); }
          else {
            out.appendChild(detail(texts.au_proof_expected, d.expected));
            out.appendChild(detail(texts.au_proof_got, d.got));
          }
          var at = states.findIndex(function (s) { return s.seq === d.seq; });
          if (at >= 0) { show(at); }
        }
        document.body.dataset.proof = ok ? (body.reproduced ? "reproduced" : "diverged") : "failed";
      })
      .catch(function (error) { out.className = "proof-failed"; out.textContent = texts.au_proof_failed + ": " + error; })
      .then(function () { button.disabled = false; });
  });

  diagram(states.length ? states[states.length - 1].version : cfg.first_version).then(function () {
    show(states.length - 1);
    return queue;
  }).then(function () { document.body.dataset.replayReady = "1"; });
})();

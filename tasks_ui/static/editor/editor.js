/* Alur process editor: bpmn-js modeler + side panel for Alur's properties, server lint as markers,
   one-click fixes, drafts with revisions, deploy. Texts come from the page (Bahasa Indonesia first). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("editor-config").textContent);
  var T = cfg.texts;
  var modeler = new BpmnJS({
    container: "#canvas",
    moddleExtensions: { spiffworkflow: cfg.moddle }
  });
  var state = { revision: cfg.revision, forms: {}, problems: [], dirty: false, overlayIds: [] };
  var $ = function (id) { return document.getElementById(id); };

  // -- helpers ----------------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function status(text, kind) {
    var el = $("status");
    el.textContent = text;
    el.className = "status " + (kind || "");
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function allForms() {
    var out = {};
    Object.keys(cfg.forms).forEach(function (k) { out[k] = cfg.forms[k]; });
    Object.keys(state.forms).forEach(function (k) { out[k] = state.forms[k]; });
    return out;
  }

  // -- durations: "45 menit", "1 jam 30 menit" <-> ISO 8601 ------------------------------------
  var UNITS = { hari: "D", jam: "H", menit: "M", detik: "S", day: "D", days: "D", hour: "H", hours: "H",
                minute: "M", minutes: "M", mnt: "M", j: "H", m: "M", h: "H", d: "D", s: "S" };
  function humanToIso(text) {
    text = (text || "").trim().toLowerCase();
    if (!text) { return ""; }
    if (/^p(\d+d)?(t(\d+h)?(\d+m)?(\d+s)?)?$/i.test(text) && text.length > 1) { return text.toUpperCase(); }
    var re = /(\d+(?:[.,]\d+)?)\s*([a-z]+)/g, m, parts = { D: 0, H: 0, M: 0, S: 0 }, seen = false, rest = text;
    while ((m = re.exec(text)) !== null) {
      var unit = UNITS[m[2]];
      if (!unit) { return null; }
      parts[unit] += parseFloat(m[1].replace(",", "."));
      seen = true;
      rest = rest.replace(m[0], "");
    }
    if (!seen || rest.replace(/\b(dan|and)\b/g, "").trim()) { return null; }
    var total = ((parts.D * 24 + parts.H) * 60 + parts.M) * 60 + parts.S;
    if (total <= 0) { return null; }
    var h = Math.floor(total / 3600), min = Math.floor((total % 3600) / 60), sec = Math.round(total % 60);
    return "PT" + (h ? h + "H" : "") + (min ? min + "M" : "") + (sec ? sec + "S" : "");
  }
  function isoToHuman(iso) {
    var m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(iso || "");
    if (!m) { return iso || ""; }
    var out = [];
    if (m[1]) { out.push(m[1] + " jam"); }
    if (m[2]) { out.push(m[2] + " menit"); }
    if (m[3]) { out.push(m[3] + " detik"); }
    return out.join(" ");
  }

  // -- spiffworkflow:properties ------------------------------------------------------------------
  function propsOf(bo) {
    var ext = bo.extensionElements;
    if (!ext) { return null; }
    return (ext.get("values") || []).filter(function (v) { return v.$instanceOf("spiffworkflow:Properties"); })[0] || null;
  }
  function getProperty(bo, name) {
    var props = propsOf(bo);
    if (!props) { return ""; }
    var p = props.get("properties").filter(function (x) { return x.name === name; })[0];
    return p ? p.value : "";
  }
  function setProperty(element, name, value) {
    var moddle = modeler.get("moddle"), bo = element.businessObject;
    var ext = bo.extensionElements || moddle.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    var props = propsOf({ extensionElements: ext });
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      props.$parent = ext;
      ext.get("values").push(props);
    }
    var list = props.get("properties");
    var existing = list.filter(function (x) { return x.name === name; })[0];
    if (!value) {
      if (existing) { list.splice(list.indexOf(existing), 1); }
    } else if (existing) {
      existing.value = value;
    } else {
      var prop = moddle.create("spiffworkflow:Property", { name: name, value: value });
      prop.$parent = props;
      list.push(prop);
    }
    modeler.get("modeling").updateProperties(element, { extensionElements: ext });
  }

  // -- timers -------------------------------------------------------------------------------------
  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0];
  }
  function timerExpression(def) {
    var kinds = ["timeDate", "timeDuration", "timeCycle"];
    for (var i = 0; i < kinds.length; i++) {
      if (def[kinds[i]]) { return { kind: kinds[i], text: def[kinds[i]].body || "" }; }
    }
    return { kind: "timeDate", text: "" };
  }
  function setTimer(element, kind, text) {
    var def = timerDefinition(element.businessObject);
    var moddle = modeler.get("moddle");
    var values = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
    values[kind] = moddle.create("bpmn:FormalExpression", { body: text });
    modeler.get("modeling").updateModdleProperties(element, def, values);
  }

  // -- side panel -------------------------------------------------------------------------------
  function field(label, html, hint) {
    return "<label>" + esc(label) + "</label>" + html + (hint ? '<p class="hint">' + esc(hint) + "</p>" : "");
  }
  function renderPanel(element) {
    var panel = $("panel-body");
    if (!element) { panel.innerHTML = '<p class="hint">' + esc(T.select_hint) + "</p>"; return; }
    var bo = element.businessObject, html = "<h2>" + esc(bo.name || bo.id) + " <code>" + esc(bo.id) + "</code></h2>";
    var problems = state.problems.filter(function (p) { return p.element_id === bo.id; });
    problems.forEach(function (p) { html += '<p class="field-error">' + esc(p.message) + "</p>"; });
    if (bo.$type === "bpmn:Lane") {
      var options = cfg.roles.map(function (r) {
        return '<option value="' + esc(r.key) + '"' + (r.key === bo.name ? " selected" : "") + ">" +
          esc(r.name_id) + " (" + esc(r.key) + ")</option>";
      }).join("");
      var known = cfg.roles.some(function (r) { return r.key === bo.name; });
      html += field(T.lane_role, '<select id="lane-role"><option value=""' + (known ? "" : " selected") + ">— " +
        esc(T.choose) + " —</option>" + options + "</select>", T.lane_role_hint);
    }
    if (bo.$type === "bpmn:UserTask" || bo.$type === "bpmn:ManualTask") {
      var iso = getProperty(bo, "standard_duration");
      html += field(T.standard_duration, '<input id="standard-duration" value="' + esc(isoToHuman(iso)) +
        '" placeholder="mis. 45 menit"><p class="hint" id="duration-iso">' + esc(iso || "—") + "</p>", T.duration_hint);
      var form = getProperty(bo, "formJsonSchemaFilename"), forms = allForms();
      var formOptions = Object.keys(forms).sort().map(function (k) {
        return '<option value="' + esc(k) + '"' + (k === form ? " selected" : "") + ">" + esc(k) + "</option>";
      }).join("");
      html += field(T.form, '<select id="task-form"><option value="">— ' + esc(T.choose) + " —</option>" +
        formOptions + "</select>") +
        '<div class="toolbar"><button type="button" class="secondary" id="edit-schema">' + esc(T.edit_schema) +
        '</button><button type="button" class="secondary" id="new-form">' + esc(T.new_form) + "</button></div>" +
        '<div id="schema-box" hidden><label for="schema-text">JSON Schema</label><textarea id="schema-text"></textarea>' +
        '<button type="button" id="apply-schema">' + esc(T.apply_schema) + '</button><p id="schema-error" class="field-error"></p></div>' +
        '<div class="preview" id="form-preview"></div>';
      html += field(T.output, '<input id="task-output" value="' + esc(getProperty(bo, "output")) + '">');
    }
    var def = timerDefinition(bo);
    if (def) {
      var expr = timerExpression(def), wd = /working_days_after\(\s*(\w+)\s*,\s*(\d+)\s*\)/.exec(expr.text);
      html += field(T.working_days, '<input id="timer-days" type="number" min="1" max="365" value="' +
        (wd ? esc(wd[2]) : "") + '">', T.working_days_hint);
      html += field(T.timer_expression, '<select id="timer-kind">' + ["timeDate", "timeDuration", "timeCycle"].map(function (k) {
        return '<option' + (k === expr.kind ? " selected" : "") + ">" + k + "</option>";
      }).join("") + '</select><input id="timer-text" value="' + esc(expr.text) + '">', T.timer_hint);
    }
    panel.innerHTML = html;
    wirePanel(element);
  }

  function wirePanel(element) {
    var bo = element.businessObject;
    var lane = $("lane-role");
    if (lane) {
      lane.addEventListener("change", function () {
        modeler.get("modeling").updateProperties(element, { name: lane.value });
        renderPanel(element);
      });
    }
    var duration = $("standard-duration");
    if (duration) {
      duration.addEventListener("change", function () {
        var iso = humanToIso(duration.value);
        if (iso === null) {
          $("duration-iso").textContent = T.duration_bad;
          $("duration-iso").className = "field-error";
          return;
        }
        setProperty(element, "standard_duration", iso);
        $("duration-iso").textContent = iso || "—";
        $("duration-iso").className = "hint";
      });
    }
    var formSelect = $("task-form");
    if (formSelect) {
      formSelect.addEventListener("change", function () {
        setProperty(element, "formJsonSchemaFilename", formSelect.value);
        preview(formSelect.value);
      });
      preview(formSelect.value);
      $("edit-schema").addEventListener("click", function () { openSchema(formSelect.value); });
      $("new-form").addEventListener("click", function () {
        var name = window.prompt(T.new_form_name, (bo.id || "langkah").replace(/_/g, "-") + ".schema.json");
        if (!name) { return; }
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/.test(name)) { window.alert(T.form_name_bad); return; }
        state.forms[name] = state.forms[name] || { type: "object", title: bo.name || name, properties: {}, required: [] };
        setProperty(element, "formJsonSchemaFilename", name);
        renderPanel(element);
        openSchema(name);
      });
      $("apply-schema").addEventListener("click", function () {
        var name = formSelect.value;
        try {
          var schema = JSON.parse($("schema-text").value);
          if (typeof schema !== "object" || schema === null || schema.type !== "object") { throw new Error(T.schema_object); }
          state.forms[name] = schema;
          state.dirty = true;
          $("schema-error").textContent = "";
          preview(name);
        } catch (e) {
          $("schema-error").textContent = T.schema_bad + " " + e.message;
        }
      });
      $("task-output").addEventListener("change", function () { setProperty(element, "output", $("task-output").value); });
    }
    var days = $("timer-days");
    if (days) {
      days.addEventListener("change", function () {
        var n = parseInt(days.value, 10);
        if (!(n > 0)) { return; }
        var text = "working_days_after(received_at, " + n + ")";
        setTimer(element, "timeDate", text);
        $("timer-text").value = text;
        $("timer-kind").value = "timeDate";
      });
      var write = function () { setTimer(element, $("timer-kind").value, $("timer-text").value); };
      $("timer-text").addEventListener("change", write);
      $("timer-kind").addEventListener("change", write);
    }
  }

  function openSchema(name) {
    if (!name) { window.alert(T.choose_form_first); return; }
    $("schema-box").hidden = false;
    $("schema-text").value = JSON.stringify(allForms()[name] || { type: "object", properties: {} }, null, 2);
  }

  function preview(name) {
    var box = $("form-preview");
    if (!box) { return; }
    var schema = allForms()[name];
    if (!schema) { box.innerHTML = '<p class="hint">' + esc(name ? T.form_unknown : T.no_form) + "</p>"; return; }
    var required = schema.required || [], html = "<strong>" + esc(schema.title || name) + "</strong>";
    Object.keys(schema.properties || {}).forEach(function (key) {
      var p = schema.properties[key] || {}, label = (p.title || key) + (required.indexOf(key) >= 0 ? " *" : "");
      var input;
      var choices = p.enum || (p.oneOf || []).map(function (o) { return o.title || o.const; });
      if (choices && choices.length) {
        input = "<select disabled>" + choices.map(function (c) { return "<option>" + esc(c) + "</option>"; }).join("") + "</select>";
      } else if (p.type === "boolean") {
        input = '<input type="checkbox" disabled>';
      } else if (p["x-widget"] === "textarea") {
        input = '<textarea disabled rows="2"></textarea>';
      } else {
        input = '<input disabled type="' + (p.format === "date" ? "date" : p.type === "integer" || p.type === "number" ? "number" : "text") + '">';
      }
      html += "<label>" + esc(label) + "</label>" + input + (p.description ? '<p class="hint">' + esc(p.description) + "</p>" : "");
    });
    box.innerHTML = html;
  }

  // -- problems: markers, overlays, list, fixes ---------------------------------------------------
  function showProblems(problems) {
    var canvas = modeler.get("canvas"), overlays = modeler.get("overlays"), registry = modeler.get("elementRegistry");
    state.problems.forEach(function (p) { if (registry.get(p.element_id)) { canvas.removeMarker(p.element_id, "alur-problem"); } });
    overlays.remove({ type: "alur-problem" });
    state.problems = problems || [];
    var counts = {};
    state.problems.forEach(function (p) { counts[p.element_id] = (counts[p.element_id] || 0) + 1; });
    Object.keys(counts).forEach(function (id) {
      if (!registry.get(id)) { return; }
      canvas.addMarker(id, "alur-problem");
      overlays.add(id, "alur-problem", {
        position: { top: -10, right: 10 },
        html: '<span class="alur-badge" data-element="' + esc(id) + '" title="' + esc(T.problems) + '">' + counts[id] + "</span>"
      });
    });
    var list = $("problems");
    list.innerHTML = state.problems.map(function (p, i) {
      var el = registry.get(p.element_id), name = el && el.businessObject.name ? " (" + el.businessObject.name + ")" : "";
      return '<li data-element="' + esc(p.element_id) + '" data-code="' + esc(p.code) + '"><strong>' + esc(p.element_id) +
        esc(name) + "</strong>: " + esc(p.message) +
        (p.fix ? '<br><button type="button" class="fix" data-index="' + i + '">' + esc(T.fix_button) + "</button>" : "") + "</li>";
    }).join("");
    $("problem-count").textContent = state.problems.length ? T.problem_count.replace("{n}", state.problems.length) : T.no_problems;
    $("problem-count").className = state.problems.length ? "status error" : "status ok";
  }

  $("problems").addEventListener("click", function (event) {
    var button = event.target.closest("button.fix");
    if (button) { applyFix(state.problems[parseInt(button.dataset.index, 10)]); return; }
    var item = event.target.closest("li");
    var element = item && modeler.get("elementRegistry").get(item.dataset.element);
    if (element) { modeler.get("selection").select(element); }
  });

  function applyFix(problem) {
    modeler.saveXML({ format: true }).then(function (result) {
      return post(cfg.urls.fix, { xml: result.xml, fix: problem.fix, element_id: problem.element_id, forms: state.forms });
    }).then(function (r) {
      if (r.status !== 200) { status(r.body.error.message, "error"); return; }
      return modeler.importXML(r.body.xml).then(function () {
        state.dirty = true;
        showProblems(r.body.problems);
        status(T.fixed, "ok");
      });
    });
  }

  // -- load, save, upload, deploy ---------------------------------------------------------------
  function fit() {
    // the whole diagram, right of the palette (so lane names are not hidden under it)
    var canvas = modeler.get("canvas"), palette = document.querySelector(".djs-palette");
    canvas.zoom("fit-viewport");
    var box = canvas.viewbox(), left = palette && palette.offsetParent ? palette.offsetWidth + 20 : 10;
    var scale = box.scale, inner = box.inner;
    if (box.outer.width < 600) {
      // a phone: the diagram's full height, its left part first (pan sideways), so labels stay legible
      var ratio = box.outer.width / box.outer.height, height = Math.max(inner.height, 200) + 20;
      canvas.viewbox({ x: inner.x - 10, y: inner.y - 10, width: height * ratio, height: height });
      return;
    }
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - 10 / scale,
                     width: inner.width + (left + 10) / scale, height: inner.height + 20 / scale });
  }

  function load() {
    return fetch(cfg.urls.data, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      state.revision = d.revision;
      state.forms = d.forms || {};
      return modeler.importXML(d.xml).then(function () {
        fit();
        showProblems(d.problems);
        state.dirty = false;
        $("revision").textContent = d.revision;
      });
    });
  }

  function save() {
    status(T.saving);
    return modeler.saveXML({ format: true }).then(function (result) {
      return post(cfg.urls.save, { xml: result.xml, forms: state.forms, revision: state.revision });
    }).then(function (r) {
      if (r.status === 200) {
        state.revision = r.body.revision;
        state.dirty = false;
        $("revision").textContent = r.body.revision;
        showProblems(r.body.problems);
        status(T.saved.replace("{n}", r.body.revision), "ok");
        return true;
      }
      status(r.body.error.message, "error");
      return false;
    });
  }

  function deploy(event) {
    event.preventDefault();
    var sop = $("sop-number").value.trim(), effective = $("effective-date").value;
    if (!sop || !effective) { status(T.deploy_needs, "error"); return; }
    save().then(function (ok) {
      if (!ok) { return; }
      if (state.problems.length) { status(T.deploy_blocked, "error"); return; }
      return send({ revision: state.revision, sop_number: sop, effective_date: effective });
    });
  }

  function send(body) {
    return post(cfg.urls.deploy, body).then(function (r) {
      if (r.status === 201) {
        $("deployed").innerHTML = esc(T.deployed.replace("{v}", r.body.version)) + ' <a href="' + esc(r.body.url) + '">' + esc(T.to_process) + "</a>";
        status(T.deployed.replace("{v}", r.body.version), "ok");
        return;
      }
      var error = r.body.error || {};
      if (error.code === "draft_unchanged" && !body.confirm_unchanged) {
        // only the layout differs from the version in force: deploy only if the process owner says so
        if (window.confirm(error.message)) { body.confirm_unchanged = true; return send(body); }
        status(error.message, "error");
        return;
      }
      if (error.problems) { showProblems(error.problems.map(function (p) { p.fix = null; return p; })); }
      status(error.message || "?", "error");
    });
  }

  $("save").addEventListener("click", save);
  $("deploy-form").addEventListener("submit", deploy);
  $("upload").addEventListener("change", function () {
    var file = $("upload").files[0];
    if (!file) { return; }
    file.text().then(function (xml) {
      return modeler.importXML(xml).then(function () {
        fit();
        return save();
      });
    }).catch(function (e) { status(T.upload_bad + " " + e.message, "error"); });
  });
  modeler.on("selection.changed", function (e) { renderPanel(e.newSelection[0]); });
  modeler.on("commandStack.changed", function () { state.dirty = true; status(T.unsaved); });
  window.addEventListener("beforeunload", function (e) { if (state.dirty) { e.preventDefault(); e.returnValue = ""; } });
  window.alurEditor = { modeler: modeler, state: state, save: save, humanToIso: humanToIso };
  load().then(function () { renderPanel(null); status(T.ready); $("canvas").dataset.ready = "1"; });
})();

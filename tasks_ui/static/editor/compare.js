/* Two read-only diagrams: removed elements marked on the old one, added and changed on the new one. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("compare-config").textContent);
  function show(container, xml, kinds) {
    var viewer = new BpmnJS({ container: container });
    return viewer.importXML(xml).then(function () {
      var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      cfg.changes.forEach(function (c) {
        if (kinds.indexOf(c.kind) >= 0 && registry.get(c.element_id)) { canvas.addMarker(c.element_id, "alur-" + c.kind); }
      });
    });
  }
  Promise.all([show("#old-canvas", cfg.old, ["removed"]), show("#new-canvas", cfg.new, ["added", "changed"])])
    .then(function () { document.body.dataset.compareReady = "1"; });
})();

// A form sent after the session had expired comes back after the new login (portal/expired_session.py):
// the fields typed go back into the form that posts to the same address, with a note to check them
// and send again. Nothing is sent from here. Hidden, file and password inputs are never touched.
(function () {
  var data = document.getElementById("restored-form-data");
  if (!data) { return; }
  var stash = JSON.parse(data.textContent);
  var fields = stash.fields || {};
  var SKIP = ["hidden", "file", "password", "submit", "button", "reset", "image"];

  function actionPath(form) {
    // getAttribute: a field named "action" or "method" would shadow the form's own properties.
    return new URL(form.getAttribute("action") || window.location.href, window.location.href).pathname;
  }

  var form = Array.prototype.find.call(document.forms, function (candidate) {
    return (candidate.getAttribute("method") || "").toLowerCase() === "post" && actionPath(candidate) === stash.action;
  });
  if (!form) { return; }

  var seen = {};
  Array.prototype.forEach.call(form.elements, function (element) {
    var name = element.name;
    var type = (element.type || "").toLowerCase();
    if (!name || SKIP.indexOf(type) !== -1) { return; }
    var values = fields[name] || [];
    if (type === "checkbox") {
      element.checked = values.indexOf(element.value) !== -1;  // absent from the post: it was unchecked
    } else if (!(name in fields)) {
      return;
    } else if (type === "radio") {
      element.checked = values.indexOf(element.value) !== -1;
    } else if (type === "select-multiple") {
      Array.prototype.forEach.call(element.options, function (option) {
        option.selected = values.indexOf(option.value) !== -1;
      });
    } else {
      var index = seen[name] || 0;  // several fields of one name take the values in order
      seen[name] = index + 1;
      if (index >= values.length) { return; }
      if (type === "select-one" && !Array.prototype.some.call(element.options, function (o) { return o.value === values[index]; })) {
        return;
      }
      element.value = values[index];
    }
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
  });

  for (var box = form.closest("details"); box; box = box.parentElement && box.parentElement.closest("details")) {
    box.open = true;
  }
  var note = document.getElementById("restored-form-note");
  if (note) {
    form.insertBefore(note, form.firstChild);
    note.hidden = false;
    note.scrollIntoView({ block: "center" });
  }
  form.setAttribute("data-restored", "yes");
})();

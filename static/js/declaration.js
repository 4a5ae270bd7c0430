// The declaration form (portal/declaration.py, templates/includes/declaration_fields.html), enhanced:
// - a field with a condition (data-when-name / data-when-value) is hidden while the condition is false, and
//   its inputs are disabled so nothing is posted for it (the validator refuses answers that do not apply);
// - "Thêm mục" and "Xoá mục này" add and remove a repeated group's rows in place (the rows are renumbered so
//   the server reads rows 0..n-1), within data-max. Without this script both are submit buttons the server
//   answers by showing the page again, so the form works the same without it.
(function () {
  var roots = document.querySelectorAll("[data-declaration]");
  if (!roots.length) { return; }

  function escapeName(name) {
    return window.CSS && CSS.escape ? CSS.escape(name) : name.replace(/["\\]/g, "\\$&");
  }

  function valueOf(form, name) {
    var inputs = form.querySelectorAll('[name="' + escapeName(name) + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.disabled) { continue; }
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { return input.value; }
      } else {
        return input.value.trim();
      }
    }
    return "";
  }

  function same(value, expected) {
    if (value === expected) { return true; }
    var a = value.replace(",", "."), b = expected;
    return a !== "" && b !== "" && !isNaN(a) && !isNaN(b) && Number(a) === Number(b);
  }

  function toggle(node, active) {
    var changed = node.hidden === active;
    node.hidden = !active;
    if (changed || !active) {  // an inactive node inside one just shown is disabled again on its turn
      node.querySelectorAll("input, select, textarea, button").forEach(function (input) { input.disabled = !active; });
    }
    return changed;
  }

  function refresh(root) {
    var form = root.closest("form") || root;
    // A condition may name a field that has its own: repeat until nothing changes.
    for (var pass = 0; pass < 10; pass++) {
      var changed = false;
      root.querySelectorAll("[data-when-name]").forEach(function (node) {
        if (node.closest("template")) { return; }
        var active = same(valueOf(form, node.dataset.whenName), node.dataset.whenValue);
        var outer = node.parentElement && node.parentElement.closest("[data-when-name][hidden]");
        changed = toggle(node, active && !outer) || changed;
      });
      if (!changed) { break; }
    }
    root.querySelectorAll("[data-repeat]").forEach(updateAdd);
  }

  function rowsOf(box) { return box.querySelector("[data-rows]"); }
  function countOf(box) { return box.querySelector("[data-repeat-count]"); }

  function updateAdd(box) {
    var add = box.querySelector("[data-repeat-add]");
    var count = parseInt(countOf(box).value, 10) || 0;
    if (add && add.closest("[data-repeat]") === box) { add.hidden = count >= parseInt(box.dataset.max, 10); }
  }

  var ATTRIBUTES = ["name", "id", "for", "aria-describedby", "data-when-name"];

  function renumber(row, base, from, to) {
    var old = new RegExp(base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "-" + from + "(?![0-9])", "g");
    var fresh = base + "-" + to;
    [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (element) {
      ATTRIBUTES.forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && value.indexOf(base + "-" + from) !== -1) { element.setAttribute(attribute, value.replace(old, fresh)); }
      });
    });
    var remove = row.querySelector("[data-repeat-remove]");
    if (remove) { remove.value = String(to); }
    var number = row.querySelector("[data-row-number]");
    if (number) { number.textContent = String(to + 1); }
  }

  function addRow(root, box) {
    var template = box.querySelector("template[data-row-template]");
    if (!template || template.closest("[data-repeat]") !== box) { return false; }
    var count = countOf(box), n = parseInt(count.value, 10) || 0;
    if (n >= parseInt(box.dataset.max, 10)) { return true; }
    var html = template.innerHTML.split("__n__").join(String(n + 1)).split("__i__").join(String(n));
    rowsOf(box).insertAdjacentHTML("beforeend", html);
    count.value = String(n + 1);
    refresh(root);
    var first = rowsOf(box).lastElementChild.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
    return true;
  }

  function removeRow(root, box, row) {
    var rows = Array.prototype.slice.call(rowsOf(box).children);
    var index = rows.indexOf(row);
    if (index === -1) { return false; }
    row.remove();
    for (var j = index + 1; j < rows.length; j++) { renumber(rows[j], box.dataset.repeat, j, j - 1); }
    var count = countOf(box);
    count.value = String(Math.max(0, (parseInt(count.value, 10) || 0) - 1));
    refresh(root);
    var add = box.querySelector("[data-repeat-add]");
    if (add && !add.hidden) { add.focus(); }
    return true;
  }

  roots.forEach(function (root) {
    root.classList.add("declaration--js");
    var form = root.closest("form") || root;
    form.addEventListener("change", function () { refresh(root); });
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[type=text], input:not([type])")) { refresh(root); }
    });
    root.addEventListener("click", function (event) {
      var add = event.target.closest("[data-repeat-add]");
      var remove = event.target.closest("[data-repeat-remove]");
      var button = add || remove;
      if (!button) { return; }
      var box = button.closest("[data-repeat]");
      var done = add ? addRow(root, box) : removeRow(root, box, button.closest("[data-row]"));
      if (done) { event.preventDefault(); }
    });
    refresh(root);
  });
})();

/* The declaration form's editor in the admin (templates/admin/portal/procedure/form_editor.html).
   The page works without this script (the "Thứ tự" numbers, the "Xóa" checkboxes, the blank last row and the
   "Xem trước" button); with it: the live preview (the rows posted to the preview URL as the admin types, after
   a pause), adding, moving and removing rows, the columns a type uses only, the key made from the label. */
(function () {
  "use strict";

  var form = document.getElementById("form-editor");
  if (!form) return;
  var list = form.querySelector("[data-rows]");
  var template = document.getElementById("form-editor-empty");
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  var prefix = total.name.replace(/-TOTAL_FORMS$/, "");
  var preview = document.querySelector("[data-preview]");
  var status = document.querySelector("[data-preview-status]");
  var keys = document.getElementById("form-editor-keys");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var topLabel = null;
  var timer = null;
  var sequence = 0;

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll("[data-row]"));
  }
  function live(row) {
    return !row.hidden;
  }
  function input(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }
  function rowId(row) {
    return input(row, "row_id").value;
  }
  function parentOf(row) {
    return input(row, "parent").value;
  }
  function typeOf(row) {
    return input(row, "type").value;
  }

  function slug(label) {
    var text = label.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    text = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (!/^[a-z]/.test(text)) text = ("truong_" + text).replace(/_+$/, "");
    return text.slice(0, 40).replace(/_+$/, "");
  }

  function depth(row) {
    var byId = {};
    rows().forEach(function (r) { byId[rowId(r)] = r; });
    var n = 0, current = row, seen = {};
    while (parentOf(current) && byId[parentOf(current)] && !seen[rowId(current)] && n < 5) {
      seen[rowId(current)] = true;
      current = byId[parentOf(current)];
      n += 1;
    }
    return n;
  }

  /* A row with the rows inside it (the rows after it that are deeper), as they stand in the list. */
  function block(row) {
    var all = rows(), start = all.indexOf(row), level = depth(row), found = [row];
    for (var i = start + 1; i < all.length && depth(all[i]) > level; i++) found.push(all[i]);
    return found;
  }

  function refresh() {
    var groups = rows().filter(function (r) { return live(r) && typeOf(r) === "group"; });
    rows().forEach(function (row) {
      var select = input(row, "parent");
      var chosen = select.value;
      if (topLabel === null) topLabel = select.options[0].text;
      select.innerHTML = "";
      select.add(new Option(topLabel, ""));
      groups.forEach(function (group) {
        if (group === row) return;
        var label = input(group, "label").value || input(group, "key").value || "…";
        select.add(new Option(label, rowId(group)));
      });
      select.value = chosen;
      if (select.value !== chosen) select.value = "";
      row.className = row.className.replace(/form-editor__row--depth-\d/, "form-editor__row--depth-" + depth(row));
      var type = typeOf(row);
      row.querySelectorAll(".fe-field[data-types]").forEach(function (cell) {
        cell.hidden = cell.getAttribute("data-types").split(" ").indexOf(type) === -1;
      });
      var repeat = input(row, "repeat");
      row.querySelectorAll(".fe-field--repeat_min, .fe-field--repeat_max").forEach(function (cell) {
        cell.hidden = type !== "group" || !repeat.checked;
      });
      row.querySelector("[data-row-title]").textContent = input(row, "label").value || "…";
      var meta = [input(row, "type").selectedOptions[0].text];
      if (input(row, "required").checked) meta.push(row.getAttribute("data-required-word") || "");
      row.querySelector("[data-row-meta]").textContent = meta.filter(Boolean).join(" · ");
    });
    var order = 1;
    rows().forEach(function (row) { input(row, "ORDER").value = order++; });
    keys.innerHTML = "";
    rows().forEach(function (row) {
      var key = input(row, "key").value;
      if (key && live(row)) keys.appendChild(new Option(key, key));
    });
  }

  function move(row, direction) {
    var siblings = rows().filter(function (r) { return live(r) && parentOf(r) === parentOf(row); });
    var other = siblings[siblings.indexOf(row) + (direction === "up" ? -1 : 1)];
    if (!other) return;
    var mine = block(row);
    if (direction === "up") {
      mine.forEach(function (r) { list.insertBefore(r, other); });
    } else {
      var theirs = block(other), after = theirs[theirs.length - 1].nextSibling;
      mine.forEach(function (r) { list.insertBefore(r, after); });
    }
    changed();
    row.querySelector("[data-move='" + direction + "']").focus();
  }

  /* A row given a new group goes to the end of that group (or of the list), with what it holds. */
  function regroup(row) {
    var mine = block(row);
    var parent = parentOf(row);
    var target = parent ? rows().filter(function (r) { return rowId(r) === parent; })[0] : null;
    if (target && mine.indexOf(target) !== -1) return;
    var anchor = target ? block(target) : rows();
    var last = anchor[anchor.length - 1];
    var after = last ? last.nextSibling : null;
    mine.forEach(function (r) { if (r !== after) list.insertBefore(r, after); });
  }

  function remove(row) {
    block(row).forEach(function (r) {
      var box = input(r, "DELETE");
      if (box) box.checked = true;
      r.hidden = true;
    });
    changed();
    var next = rows().filter(live)[0];
    if (next) next.querySelector("input, select, textarea").focus();
  }

  function add() {
    var index = parseInt(total.value, 10);
    var used = rows().map(function (r) { return parseInt(rowId(r).slice(1), 10) || 0; });
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("ol");
    holder.innerHTML = html;
    var row = holder.querySelector("[data-row]");
    input(row, "row_id").value = "r" + (Math.max.apply(null, used.concat([0])) + 1);
    row.setAttribute("data-row-id", input(row, "row_id").value);
    list.appendChild(row);
    total.value = String(index + 1);
    wire(row);
    refresh();
    input(row, "label").focus();
  }

  function wire(row) {
    var moves = row.querySelector("[data-moves]");
    moves.hidden = false;
    row.querySelector(".fe-field--order").hidden = true;
    row.querySelector(".fe-field--delete").hidden = true;
    moves.querySelectorAll("[data-move]").forEach(function (button) {
      button.addEventListener("click", function () { move(row, button.getAttribute("data-move")); });
    });
    moves.querySelector("[data-remove]").addEventListener("click", function () { remove(row); });
    var label = input(row, "label"), key = input(row, "key");
    key.dataset.auto = key.value === "" || key.value === slug(label.value) ? "1" : "";
    label.addEventListener("input", function () {
      if (key.dataset.auto === "1") key.value = label.value ? slug(label.value) : "";
    });
    key.addEventListener("input", function () { key.dataset.auto = key.value === "" ? "1" : ""; });
    input(row, "parent").addEventListener("change", function () { regroup(row); });
  }

  function changed() {
    refresh();
    clearTimeout(timer);
    timer = setTimeout(update, 400);
  }

  function update() {
    var mine = ++sequence;
    status.textContent = status.getAttribute("data-busy") || "…";
    var body = new FormData(form);
    body.delete("definition_json");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      if (mine !== sequence) return;
      preview.innerHTML = result.answer.html || "";
      /* The citizen's page script (conditions, repeated rows) enhances the new preview as it does the page. */
      var script = document.createElement("script");
      script.src = preview.getAttribute("data-script");
      preview.appendChild(script);
      rows().forEach(function (row) {
        var box = row.querySelector("[data-live-errors]");
        var found = (result.answer.errors || {})[rowId(row)] || {};
        box.innerHTML = "";
        Object.keys(found).forEach(function (column) {
          found[column].forEach(function (message) {
            var item = document.createElement("li");
            item.textContent = message;
            box.appendChild(item);
          });
        });
        box.hidden = !box.children.length;
      if (!box.hidden) row.querySelector("details").open = true;
      });
      status.textContent = result.ok ? status.getAttribute("data-done") : status.getAttribute("data-failed");
    }).catch(function () {
      if (mine === sequence) status.textContent = status.getAttribute("data-offline");
    });
  }

  /* The blank row left for a page without the script: "+ Thêm trường" adds rows here. */
  var initial = parseInt(form.querySelector("input[name$='-INITIAL_FORMS']").value, 10);
  rows().forEach(function (row) {
    var index = parseInt(input(row, "row_id").name.split("-")[1], 10);
    if (index >= initial && !input(row, "label").value && !input(row, "key").value && rows().length > 1) {
      input(row, "DELETE").checked = true;
      row.hidden = true;
    }
  });
  rows().forEach(wire);
  form.querySelectorAll("[data-no-script]").forEach(function (el) { el.hidden = true; });
  var addButton = form.querySelector("[data-add-row]");
  addButton.hidden = false;
  addButton.addEventListener("click", add);
  form.addEventListener("input", function (event) {
    if (event.target.name !== "definition_json") changed();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "definition_json") changed();
  });
  refresh();
})();

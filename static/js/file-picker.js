// The project's file picker (portal.widgets.FilePicker, templates/widgets/file_picker.html): the
// native input is visually hidden, so the browser's own "Choose File / No file chosen" never shows;
// this shows the chosen file names in the status beside the "Chọn tệp" button. A static file: the
// CSP runs no inline script. Without it the button still opens the picker and the form posts the file.
(function () {
  function show(input, status) {
    var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    status.textContent = names.length ? names.join(", ") : status.getAttribute("data-empty");
    status.classList.toggle("file-picker__status--chosen", names.length > 0);
  }
  document.querySelectorAll("[data-file-picker]").forEach(function (picker) {
    var input = picker.querySelector("input[type=file]");
    var status = picker.querySelector(".file-picker__status");
    if (!input || !status) { return; }
    input.addEventListener("change", function () { show(input, status); });
    input.form && input.form.addEventListener("reset", function () { setTimeout(function () { show(input, status); }); });
    show(input, status); // a file kept by the browser on going back
  });
})();

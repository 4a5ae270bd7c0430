// Buttons marked data-print open the browser's print dialog (receipts, slips, the postal list).
// A static file, not an inline script: the Content-Security-Policy allows scripts from 'self' only.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// Links marked data-history-back go back through the history, which keeps what was typed; the
// link's own address opens the form afresh. A static file: the CSP runs no inline script.
document.querySelectorAll("[data-history-back]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
});

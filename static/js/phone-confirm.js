// "Xác nhận số điện thoại": the resend button waits out the delay the page states in text
// (data-wait seconds); the text counts down. Without this script the text still says from when.
(function () {
  var form = document.querySelector(".phone-resend");
  if (!form) return;
  var wait = parseInt(form.getAttribute("data-wait") || "0", 10);
  var count = form.querySelector(".phone-resend__count");
  var button = form.querySelector(".phone-resend__button");
  if (!wait || !count || !button) return;
  var until = Date.now() + wait * 1000;
  button.disabled = true;
  var timer = setInterval(function () {
    var left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    count.textContent = String(left);
    if (left === 0) {
      clearInterval(timer);
      count.parentNode.textContent = form.getAttribute("data-ready") || "";
      button.disabled = false;
    }
  }, 1000);
})();

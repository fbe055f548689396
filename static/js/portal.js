// Shows each UTC deadline also in the browser's local time. No inline scripts (CSP).
(function () {
  "use strict";
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when)) { return; }
    var target = document.getElementById(el.getAttribute("data-local"));
    if (!target) { return; }
    var fmt = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      dateStyle: "full", timeStyle: "short"
    });
    target.textContent = "(" + (target.getAttribute("data-label") || "") + " " + fmt.format(when) + ")";
    target.hidden = false;
  });
})();
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

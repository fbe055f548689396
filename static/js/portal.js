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
// The reply form: each draft shows the text boxes of the box ticked (all of them without
// JavaScript). A hidden box keeps its text; the review refuses text under another box.
document.querySelectorAll("[data-position]").forEach(function (fieldset) {
  var radios = fieldset.querySelectorAll("input[type=radio]");
  function update() {
    var chosen = "";
    radios.forEach(function (radio) { if (radio.checked) { chosen = radio.value; } });
    fieldset.querySelectorAll("[data-show-for]").forEach(function (field) {
      var wanted = field.getAttribute("data-show-for").split(" ");
      var text = field.querySelector("textarea");
      var keep = text && text.value.trim() !== "";
      field.hidden = !(wanted.indexOf(chosen) >= 0 || keep);
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
});
// An error summary takes the focus, so that a screen reader reads it first.
var summary = document.getElementById("error-summary");
if (summary) { summary.focus(); }

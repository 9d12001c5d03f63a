// mxcert web portal: small conveniences only. Every page works without this script.
// - select[data-autosubmit] submits its form when changed (filters), the button stays for
//   keyboard and no-script users;
// - button[data-copy] copies the text of the element whose id it names (verification commands);
// - form[data-confirm] asks before submitting (reject, revoke).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () {
      if (sel.form) { sel.form.submit(); }
    });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var source = document.getElementById(btn.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        btn.setAttribute("data-copied", "true");
        btn.textContent = btn.getAttribute("data-copied-label") || btn.textContent;
      });
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});

// Small enhancements; every page works without them.
(function () {
  "use strict";
  // The browser's time zone, for the server to show times in when the person chose none
  // (portal/time_zones.py): kept in a cookie, written only when it changes.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // IANA names need no escaping in a cookie; anything else is not sent.
    if (zone && /^[A-Za-z0-9_+\-\/]+$/.test(zone) && document.cookie.indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* a browser without Intl: the server falls back to the organisation's country */ }
  document.addEventListener("DOMContentLoaded", function () {
    // A form sent back with errors: its summary is read first, and each entry links to its field.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    // A freshly created API token: select it on focus and offer a copy button.
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
    if (navigator.clipboard) {
      document.querySelectorAll("[data-copy-target]").forEach(function (button) {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        if (!target) { return; }
        button.hidden = false;
        button.addEventListener("click", function () {
          navigator.clipboard.writeText(target.value);
        });
      });
    }
  });
})();

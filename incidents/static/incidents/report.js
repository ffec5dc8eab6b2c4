// The report's print button; the page itself needs no script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("print-report");
    if (button) { button.addEventListener("click", function () { window.print(); }); }
  });
})();

// The declare form's filter over its organisation checkboxes. Without script the box stays
// hidden and every organisation is listed; its words come from the page, so they are translated.
(function () {
  "use strict";

  // Case and accents ignored: "societe" finds "Société".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase().trim();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-organisation-filter]");
    if (!box) { return; }
    var input = box.querySelector("input");
    var count = box.querySelector("[role=status]");
    var choices = Array.prototype.slice.call(box.parentNode.querySelectorAll("[data-organisation-choice]"));
    box.hidden = false;

    function apply() {
      var wanted = fold(input.value);
      var shown = 0;
      choices.forEach(function (choice) {
        var ticked = choice.querySelector("input").checked;
        var match = !wanted || ticked || fold(choice.textContent).indexOf(wanted) !== -1;
        choice.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = wanted ? box.dataset.count.replace("{shown}", shown).replace("{total}", choices.length) : "";
    }

    input.addEventListener("input", apply);
    // Enter in the filter would post the form: here it only filters.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); apply(); }
    });
  });
})();

// Group registration: "Add a row" adds a trainee's row in the page, keeping what was typed.
// It copies the formset's empty form (the <template>, "__prefix__" in its names and ids) and
// raises the management form's TOTAL_FORMS, as Django's formsets expect; never past
// MAX_NUM_FORMS, which the server enforces too. Without this script, the `?size=` link
// reloads the page with more rows.
(function () {
  "use strict";

  function setUp(section) {
    var form = section.closest("form");
    var list = section.querySelector("[data-group-rows-list]");
    var template = section.querySelector("template[data-group-rows-template]");
    var button = section.querySelector("[data-group-rows-add]");
    var fallback = section.querySelector("[data-group-rows-fallback]");
    var full = section.querySelector("[data-group-rows-full]");
    var total = form && form.querySelector("input[name$='-TOTAL_FORMS']");
    var max = form && form.querySelector("input[name$='-MAX_NUM_FORMS']");
    if (!list || !template || !button || !total || !max) {
      return;
    }
    var limit = parseInt(max.value, 10);

    function update() {
      var atLimit = parseInt(total.value, 10) >= limit;
      button.disabled = atLimit;
      if (full) {
        full.hidden = !atLimit;
      }
    }

    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (index >= limit) {
        update();
        return;
      }
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      total.value = String(index + 1);
      update();
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) {
        first.focus();
      }
    });

    if (fallback) {
      fallback.hidden = true;
    }
    button.hidden = false;
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-group-rows]").forEach(setUp);
  });
})();

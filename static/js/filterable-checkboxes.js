// core.widgets.FilterableCheckboxSelectMultiple: typing part of a name hides the checkboxes
// whose label does not contain it; ticked ones always stay in view, and a count says how many
// are ticked. Without this script the list is a plain list of checkboxes.
(function () {
  "use strict";

  function setUp(root) {
    var bar = root.querySelector("[data-filterable-checkboxes-bar]");
    var filter = root.querySelector("[data-filterable-checkboxes-filter]");
    var count = root.querySelector("[data-filterable-checkboxes-count]");
    var list = root.querySelector("[data-filterable-checkboxes-list]");
    var none = root.querySelector("[data-filterable-checkboxes-none]");
    if (!bar || !filter || !list || root.dataset.filterableReady) {
      return;
    }
    root.dataset.filterableReady = "true";
    var items = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]")).map(
      function (box) {
        var label = box.closest("label") || box.parentNode;
        var row = label.closest("div, li") || label;
        return { box: box, row: row, text: label.textContent.trim().toLowerCase() };
      }
    );
    bar.hidden = false;

    function update() {
      var query = filter.value.trim().toLowerCase();
      var shown = 0;
      var ticked = 0;
      items.forEach(function (item) {
        var visible = item.box.checked || !query || item.text.indexOf(query) !== -1;
        item.row.hidden = !visible;
        shown += visible ? 1 : 0;
        ticked += item.box.checked ? 1 : 0;
      });
      count.textContent = list.dataset.countTemplate.replace("__count__", ticked);
      none.textContent = list.dataset.noneText;
      none.hidden = shown > 0;
    }

    filter.addEventListener("input", update);
    // Enter in the filter box would submit the whole form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    list.addEventListener("change", update);
    update();
  }

  function setUpAll() {
    document.querySelectorAll("[data-filterable-checkboxes]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();

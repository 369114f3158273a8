// The week grid: place hours and meetings on the hour axis from their data attributes (no inline styles).
(function () {
  "use strict";
  var ROW = 3.2;  // rem per hour
  document.querySelectorAll("[data-calendar-height]").forEach(function (column) {
    column.style.height = (ROW * parseFloat(column.getAttribute("data-calendar-height"))) + "rem";
  });
  document.querySelectorAll(".week-grid [data-top]").forEach(function (item) {
    item.style.top = item.getAttribute("data-top") + "%";
    if (item.hasAttribute("data-height")) {
      item.style.height = item.getAttribute("data-height") + "%";
      var lanes = parseInt(item.getAttribute("data-lanes"), 10) || 1;
      var lane = parseInt(item.getAttribute("data-lane"), 10) || 0;
      item.style.left = "calc(" + (100 * lane / lanes) + "% + 2px)";
      item.style.right = "auto";
      item.style.width = "calc(" + (100 / lanes) + "% - 4px)";
    }
  });
})();

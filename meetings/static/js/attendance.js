// The attendance grid: spreadsheet-like keys, a headcount sets the status, one click fills the rest.
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-endpoint]"));

  function cell(row, column) {
    return row.querySelector("[data-col='" + column + "']");
  }

  // Enter moves to the same column in the next row (or the previous one with Shift); Ctrl+Enter saves.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("[data-col]")) { return; }
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      form.requestSubmit();
      return;
    }
    var row = event.target.closest("tr");
    var index = rows.indexOf(row) + (event.shiftKey ? -1 : 1);
    var next = rows[index] && cell(rows[index], event.target.getAttribute("data-col"));
    if (next) {
      next.focus();
      if (next.select) { next.select(); }
    }
  });

  // A headcount typed on a row without a status: people there means present, none means absent.
  form.addEventListener("change", function (event) {
    var target = event.target;
    var row = target.closest("tr[data-endpoint]");
    if (!row) { return; }
    var status = cell(row, "status");
    if (target.getAttribute("data-col") === "attendees" && status && !status.value && target.value !== "") {
      status.value = Number(target.value) > 0 ? "present" : "absent";
    }
    if (target === status && status.value === "absent") {
      ["attendees", "connected", "disconnected"].forEach(function (column) {
        var input = cell(row, column);
        if (input) { input.value = ""; }
      });
    }
  });

  var fill = form.querySelector("[data-fill-present]");
  if (fill) {
    fill.addEventListener("click", function () {
      rows.forEach(function (row) {
        var status = cell(row, "status");
        var attendees = cell(row, "attendees");
        if (!status || status.value) { return; }
        status.value = "present";
        var expected = row.getAttribute("data-expected");
        if (attendees && attendees.value === "" && Number(expected) > 0) { attendees.value = expected; }
      });
    });
  }
})();

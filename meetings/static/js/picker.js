// The endpoint picker (templates/booking/_picker.html): groups, search, the counter and the locked host row.
// Used by the booking form, the scheduling assistant and accepting a government invitation.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function setUp(picker) {
    var form = picker.closest("form") || document;
    var tbody = picker.querySelector("tbody");
    var rows = Array.prototype.slice.call(picker.querySelectorAll("tr[data-code]"));
    var counter = picker.querySelector("[data-picker-count]");
    var search = picker.querySelector("[data-picker-search]");
    var hostSelect = form.querySelector ? form.querySelector("select[name='host']") : null;
    var host = picker.getAttribute("data-host");
    var chosenBeforeHost = false;
    rows.forEach(function (row) { row.dataset.folded = fold(row.dataset.search); });

    function box(row) { return row.querySelector("input[type='checkbox']"); }
    function rowOf(code) { return picker.querySelector("tr[data-code='" + code + "']"); }

    function changed() {
      var count = rows.filter(function (row) { return row.dataset.code !== host && box(row).checked; }).length;
      counter.textContent = String(count);
      picker.dispatchEvent(new CustomEvent("picker:change", {bubbles: true}));
    }

    function lockHost(code) {
      var old = rowOf(host);
      if (old) {
        old.classList.remove("picker-host");
        box(old).disabled = false;
        box(old).checked = chosenBeforeHost;
        old.querySelector("[data-host-badge]").hidden = true;
      }
      host = code;
      picker.setAttribute("data-host", code);
      var row = rowOf(code);
      if (!row) { return; }
      chosenBeforeHost = box(row).checked;
      row.classList.add("picker-host");
      box(row).checked = true;
      box(row).disabled = true;
      row.querySelector("[data-host-badge]").hidden = false;
      tbody.insertBefore(row, tbody.firstChild);  // the host comes first
    }

    picker.querySelectorAll("[data-group-members]").forEach(function (button) {
      button.addEventListener("click", function () {
        var members = button.getAttribute("data-group-members").split(" ");
        rows.forEach(function (row) { if (members.indexOf(row.dataset.code) !== -1) { box(row).checked = true; } });
        changed();
      });
    });
    var clear = picker.querySelector("[data-clear-endpoints]");
    if (clear) {
      clear.addEventListener("click", function () {
        rows.forEach(function (row) { if (row.dataset.code !== host) { box(row).checked = false; } });
        changed();
      });
    }
    if (search) {
      search.addEventListener("input", function () {
        var needle = fold(search.value.trim());
        rows.forEach(function (row) { row.hidden = needle !== "" && row.dataset.folded.indexOf(needle) === -1; });
      });
      search.addEventListener("keydown", function (event) {
        // Enter in the search box ticks the only visible endpoint instead of sending the form.
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        var visible = rows.filter(function (row) { return !row.hidden; });
        if (visible.length === 1) {
          box(visible[0]).checked = true;
          search.value = "";
          rows.forEach(function (row) { row.hidden = false; });
          changed();
        }
      });
    }
    rows.forEach(function (row) { box(row).addEventListener("change", changed); });
    if (hostSelect) {
      hostSelect.addEventListener("change", function () { lockHost(hostSelect.value); changed(); });
    }
    picker.pickerApi = {
      chosen: function () {
        return rows.filter(function (row) { return row.dataset.code !== host && box(row).checked; })
          .map(function (row) { return row.dataset.code; });
      },
      host: function () { return host; },
      uncheck: function (codes) {
        codes.forEach(function (code) { var row = rowOf(code); if (row && code !== host) { box(row).checked = false; } });
        changed();
      },
      nameOf: function (code) { var row = rowOf(code); return row ? row.querySelector("label").textContent : code; },
      markBusy: function (busy) {
        rows.forEach(function (row) {
          var badge = row.querySelector("[data-busy-badge]");
          var text = busy[row.dataset.code];
          badge.hidden = !text;
          badge.textContent = text ? picker.getAttribute("data-busy-word") : "";
          badge.title = text || "";
          row.classList.toggle("picker-busy", Boolean(text));
        });
      }
    };
    changed();
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();

// The booking form: choose endpoints by group or search, count them, and check conflicts as you go.
(function () {
  "use strict";
  var form = document.getElementById("meeting-form");
  if (!form) { return; }

  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name='endpoints']"));
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-search]"));
  var counter = document.getElementById("selected-count");
  var result = document.getElementById("check-result");
  var csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  var host = form.querySelector("[name='host']");
  var timer = null;
  var lastRequest = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  rows.forEach(function (row) { row.dataset.folded = fold(row.dataset.search); });

  function chosen() {
    return boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
  }

  function refreshCount() {
    var codes = chosen();
    if (host && host.value && codes.indexOf(host.value) === -1) { codes.push(host.value); }
    counter.textContent = String(codes.length);
  }

  form.querySelectorAll("[data-group-members]").forEach(function (button) {
    button.addEventListener("click", function () {
      var members = button.getAttribute("data-group-members").split(" ");
      boxes.forEach(function (box) { if (members.indexOf(box.value) !== -1) { box.checked = true; } });
      changed();
    });
  });
  var clear = form.querySelector("[data-clear-endpoints]");
  if (clear) {
    clear.addEventListener("click", function () {
      boxes.forEach(function (box) { box.checked = false; });
      changed();
    });
  }

  var search = document.getElementById("endpoint-search");
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
      visible[0].querySelector("input[type='checkbox']").checked = true;
      search.value = "";
      rows.forEach(function (row) { row.hidden = false; });
      changed();
    }
  });

  function value(name) {
    var element = form.querySelector("[name='" + name + "']");
    return element ? element.value : "";
  }

  function payload() {
    var day = value("start_date");
    var endDay = value("end_date") || day;
    if (!day || !value("start_time") || !value("end_time")) { return null; }
    var body = {
      title: value("title") || "-",
      start: day + "T" + value("start_time"),
      end: endDay + "T" + value("end_time"),
      host: value("host"),
      endpoints: chosen()
    };
    var repeat = value("repeat");
    if (repeat && (value("repeat_count") || value("repeat_until"))) {
      body.recurrence = "FREQ=" + repeat + ";" + (value("repeat_count") ? "COUNT=" + value("repeat_count")
        : "UNTIL=" + value("repeat_until").replace(/-/g, ""));
    }
    if (form.dataset.meeting) { body.meeting = parseInt(form.dataset.meeting, 10); }
    return body;
  }

  function show(kind, html) {
    result.className = "alert py-2 mb-2 alert-" + kind;
    result.innerHTML = html;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function local(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7) + " " + iso.slice(11, 16); }

  function check() {
    var body = payload();
    if (!body || body.endpoints.length === 0) { result.className = ""; result.innerHTML = ""; return; }
    var requestId = ++lastRequest;
    fetch(form.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept-Language": document.documentElement.lang},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return {status: response.status, data: data}; });
    }).then(function (answer) {
      if (requestId !== lastRequest) { return; }
      var data = answer.data;
      if (answer.status !== 200) {
        var fields = (data.error && data.error.fields) || {};
        var messages = Object.keys(fields).map(function (key) { return escapeHtml(fields[key]); });
        show("warning", messages.join("<br>") || escapeHtml((data.error && data.error.message) || ""));
        return;
      }
      if (data.ok) {
        show("success", "<i class='bi bi-check-circle'></i> " + escapeHtml(form.dataset.okText || "OK"));
        return;
      }
      var items = data.conflicts.map(function (c) {
        return "<li><strong>" + escapeHtml(c.endpoint_name) + "</strong> — " + escapeHtml(c.title) +
          " (" + local(c.start) + "–" + c.end.slice(11, 16) + ")</li>";
      }).concat(data.capacity.map(function (c) {
        return "<li>" + local(c.start) + ": " + c.ports_needed + " / " + c.ports + " MCU</li>";
      }));
      show("danger", "<strong>" + escapeHtml(form.dataset.conflictText || "") + "</strong><ul class='mb-0'>" +
        items.join("") + "</ul>");
    }).catch(function () { /* the server decides on submit anyway */ });
  }

  function changed() {
    refreshCount();
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 350);
  }

  form.addEventListener("change", changed);
  refreshCount();
  if (chosen().length) { check(); }
})();

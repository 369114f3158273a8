// The booking form: the date in words, conflicts checked as you go (grouped by the meeting in the way, with
// two ways out: leave the busy endpoints out, or move to the next free slot), and the scheduling assistant.
(function () {
  "use strict";
  var form = document.getElementById("meeting-form");
  if (!form) { return; }

  var picker = form.querySelector("[data-picker]");
  var result = document.getElementById("check-result");
  var summary = document.getElementById("check-summary");
  var words = document.getElementById("date-words");
  var csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  var weekdays = (form.dataset.weekdays || "").split("|");
  var timer = null;
  var lastRequest = 0;

  function field(name) { return form.querySelector("[name='" + name + "']"); }
  function value(name) { var element = field(name); return element ? element.value.trim() : ""; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // dd/mm/yyyy (or ISO) -> "yyyy-mm-dd", or "" when it is not a day.
  function isoDay(text) {
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text) || null;
    var y, mo, d;
    if (m) { d = +m[1]; mo = +m[2]; y = +m[3]; } else {
      m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      if (!m) { return ""; }
      y = +m[1]; mo = +m[2]; d = +m[3];
    }
    var day = new Date(Date.UTC(y, mo - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) { return ""; }
    return y + "-" + pad(mo) + "-" + pad(d);
  }
  // "8:00", "0800", "8h00" -> "08:00", or "".
  function clock(text) {
    var cleaned = text.toLowerCase().replace("h", ":").replace(".", ":");
    if (/^\d{3,4}$/.test(cleaned)) { cleaned = cleaned.slice(0, -2) + ":" + cleaned.slice(-2); }
    var m = /^(\d{1,2}):(\d{2})$/.exec(cleaned);
    if (!m || +m[1] > 23 || +m[2] > 59) { return ""; }
    return pad(+m[1]) + ":" + m[2];
  }
  function dayWords(iso) {
    if (!iso) { return ""; }
    var parts = iso.split("-");
    var weekday = (new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2])).getUTCDay() + 6) % 7;
    return (weekdays[weekday] || "") + ", " + parts[2] + "/" + parts[1] + "/" + parts[0];
  }
  function shortSlot(startIso, endIso) {
    return startIso.slice(8, 10) + "/" + startIso.slice(5, 7) + " " + startIso.slice(11, 16) + "–" + endIso.slice(11, 16);
  }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function refreshWords() {
    if (words) { words.textContent = dayWords(isoDay(value("start_date"))); }
  }

  // What the form asks for, as the API's JSON body; null while the times are incomplete.
  function payload() {
    var day = isoDay(value("start_date"));
    var endDay = isoDay(value("end_date")) || day;
    var start = clock(value("start_time"));
    var end = clock(value("end_time"));
    if (!day || !start || !end) { return null; }
    var body = {
      title: value("title") || "-",
      start: day + "T" + start,
      end: endDay + "T" + end,
      host: value("host"),
      endpoints: picker.pickerApi.chosen()
    };
    var repeat = value("repeat");
    if (repeat && (value("repeat_count") || value("repeat_until"))) {
      body.recurrence = "FREQ=" + repeat + ";" + (value("repeat_count") ? "COUNT=" + value("repeat_count")
        : "UNTIL=" + isoDay(value("repeat_until")).replace(/-/g, ""));
    }
    if (form.dataset.meeting) { body.meeting = parseInt(form.dataset.meeting, 10); }
    return body;
  }

  function setSummary(kind, text) {
    if (!summary) { return; }
    summary.hidden = !text;
    summary.className = "check-summary align-self-center ms-auto small text-" + kind;
    summary.textContent = text || "";
  }

  function clearResult() {
    result.className = "";
    result.innerHTML = "";
    result.removeAttribute("data-testid");
    setSummary("muted", "");
    picker.pickerApi.markBusy({});
  }

  function render(data, day) {
    var busy = {};
    var codes = [];
    var html = "";
    var hostBusy = false;
    (data.groups || []).forEach(function (group) {
      var time = (group.start.slice(0, 10) !== day ? group.start.slice(8, 10) + "/" + group.start.slice(5, 7) + " " : "") +
        group.start.slice(11, 16) + "–" + group.end.slice(11, 16);
      html += "<details class='conflict-group mb-1'><summary><strong>" +
        escapeHtml(format(form.dataset.inText, {n: group.endpoints.length, title: group.title, time: time})) +
        "</strong></summary><ul class='small mb-1 mt-1 conflict-names'>" +
        group.endpoints.map(function (e) { return "<li>" + escapeHtml(e.name) + "</li>"; }).join("") + "</ul></details>";
      group.endpoints.forEach(function (e) {
        busy[e.code] = group.title;
        if (codes.indexOf(e.code) === -1) { codes.push(e.code); }
        if (e.code === picker.pickerApi.host()) { hostBusy = true; }
      });
    });
    if (data.capacity && data.capacity.length) {
      html += "<p class='fw-semibold mb-2'><i class='bi bi-exclamation-triangle'></i> " + escapeHtml(format(
        form.dataset.capacityText, {needed: data.capacity[0].ports_needed, ports: data.capacity[0].ports})) + "</p>";
    }
    html += "<div class='d-flex flex-wrap gap-2 mt-2 conflict-actions'>";
    if (codes.length && !hostBusy) {
      html += "<button type='button' class='btn btn-sm btn-outline-danger' data-conflict-action='without' " +
        "data-testid='book-without-busy'><i class='bi bi-dash-circle'></i> " + escapeHtml(form.dataset.withoutText) + "</button>";
    } else if (hostBusy) {
      html += "<span class='small'>" + escapeHtml(form.dataset.hostBusyText) + "</span>";
    }
    if (data.next_free) {
      html += "<button type='button' class='btn btn-sm btn-primary' data-conflict-action='move' data-testid='move-to-free'>" +
        "<i class='bi bi-arrow-right-circle'></i> " + escapeHtml(format(form.dataset.moveText,
        {slot: shortSlot(data.next_free.start, data.next_free.end)})) + "</button>";
    } else if (!data.next_free && !(data.occurrences > 1)) {
      html += "<span class='small text-muted'>" + escapeHtml(form.dataset.noSlotText) + "</span>";
    }
    html += "</div>";
    result.className = "check-result alert alert-danger";
    result.setAttribute("data-testid", "conflicts");
    result.dataset.busyCodes = codes.join(" ");
    result.dataset.nextStart = data.next_free ? data.next_free.start : "";
    result.dataset.nextEnd = data.next_free ? data.next_free.end : "";
    result.innerHTML = html;
    picker.pickerApi.markBusy(busy);
    setSummary("danger", "⚠ " + (codes.length ? format(form.dataset.inText, {n: codes.length, title: "…", time: ""})
      : format(form.dataset.capacityText, {needed: data.capacity[0].ports_needed, ports: data.capacity[0].ports})));
  }

  function check() {
    var body = payload();
    if (!body || body.endpoints.length === 0) { clearResult(); return; }
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
        result.className = "check-result alert alert-warning py-2";
        result.removeAttribute("data-testid");
        result.innerHTML = messages.join("<br>") || escapeHtml((data.error && data.error.message) || "");
        picker.pickerApi.markBusy({});
        setSummary("muted", "");
        return;
      }
      if (data.ok) {
        result.className = "check-result alert alert-success py-2";
        result.removeAttribute("data-testid");
        result.innerHTML = "<i class='bi bi-check-circle'></i> " + escapeHtml(form.dataset.okText || "OK");
        picker.pickerApi.markBusy({});
        setSummary("success", "✓ " + (form.dataset.okText || ""));
        return;
      }
      render(data, body.start.slice(0, 10));
    }).catch(function () { /* the server decides on submit anyway */ });
  }

  function changed() {
    refreshWords();
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 350);
    document.dispatchEvent(new CustomEvent("booking:slot", {detail: slot()}));
  }

  // The proposed slot, for the assistant: {day, start, end} (24-hour strings) and the selection.
  function slot() {
    return {day: isoDay(value("start_date")), start: clock(value("start_time")), end: clock(value("end_time")),
            host: value("host"), endpoints: picker.pickerApi.chosen(), meeting: form.dataset.meeting || ""};
  }
  // The assistant (or a conflict action) moves the meeting: keep its length.
  function moveTo(dayIso, start, end) {
    if (dayIso) {
      var parts = dayIso.split("-");
      field("start_date").value = parts[2] + "/" + parts[1] + "/" + parts[0];
      if (field("end_date")) { field("end_date").value = ""; }
    }
    field("start_time").value = start;
    field("end_time").value = end;
    changed();
  }
  window.BookingForm = {slot: slot, moveTo: moveTo};

  // The two ways out of a conflict.
  result.addEventListener("click", function (event) {
    var button = event.target.closest("[data-conflict-action]");
    if (!button) { return; }
    var action = button.getAttribute("data-conflict-action");
    var codes = (result.dataset.busyCodes || "").split(" ").filter(Boolean);
    if (action === "move" && result.dataset.nextStart) {
      var start = result.dataset.nextStart;
      var end = result.dataset.nextEnd;
      moveTo(start.slice(0, 10), start.slice(11, 16), end.slice(11, 16));
    } else if (action === "without") {
      var box = result.querySelector("[data-without-confirm]");
      if (!box) {
        box = document.createElement("div");
        box.className = "without-confirm border border-danger rounded p-2 mt-2 bg-white";
        box.setAttribute("data-without-confirm", "");
        box.setAttribute("data-testid", "without-confirm");
        box.innerHTML = "<p class='mb-1 fw-semibold'>" + escapeHtml(format(form.dataset.withoutConfirmText, {n: codes.length})) +
          "</p><ul class='small mb-2 conflict-names'>" + codes.map(function (code) {
            return "<li>" + escapeHtml(picker.pickerApi.nameOf(code)) + "</li>"; }).join("") +
          "</ul><button type='button' class='btn btn-sm btn-danger' data-conflict-action='without-go' data-testid='confirm-without'>" +
          escapeHtml(form.dataset.withoutGoText) + "</button> <button type='button' class='btn btn-sm btn-link' " +
          "data-conflict-action='without-keep'>" + escapeHtml(form.dataset.keepText) + "</button>";
        result.appendChild(box);
      }
      box.hidden = false;
      box.querySelector("[data-conflict-action='without-go']").focus();
    } else if (action === "without-keep") {
      result.querySelector("[data-without-confirm]").hidden = true;
    } else if (action === "without-go") {
      picker.pickerApi.uncheck(codes);
      var submit = form.querySelector("button[name='action'][value='book']");
      if (form.requestSubmit) { form.requestSubmit(submit); } else { submit.click(); }
    }
  });

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-day], [data-clock]")) { changed(); }
  });
  picker.addEventListener("picker:change", changed);
  refreshWords();
  if (result.dataset.server) {
    // The refusal the server just gave is on the page once; mark the busy rows and leave it.
    var busy = {};
    (result.dataset.busyCodes || "").split(" ").filter(Boolean).forEach(function (code) { busy[code] = "!"; });
    picker.pickerApi.markBusy(busy);
    document.dispatchEvent(new CustomEvent("booking:slot", {detail: slot()}));
    result.scrollIntoView({block: "center"});
  } else if (picker.pickerApi.chosen().length) {
    changed();
  } else {
    document.dispatchEvent(new CustomEvent("booking:slot", {detail: slot()}));
  }
})();

// The scheduling assistant (templates/booking/_assistant.html): a timeline of the chosen endpoints against the
// hours of the day from /api/v1/availability, the proposed slot as a band to drag or set, and the free slots.
// On the booking form it follows the form (booking.js sends "booking:slot"); on its own page it follows
// #assistant-form and a free slot opens the booking form.
(function () {
  "use strict";
  var section = document.querySelector("[data-assistant]");
  if (!section) { return; }

  var timeline = section.querySelector("[data-timeline]");
  var slotsBox = section.querySelector("[data-free-slots]");
  var dayLabel = section.querySelector("[data-assistant-day]");
  var regions = JSON.parse(section.getAttribute("data-regions") || "{}");
  var t = function (key) { return section.getAttribute("data-text-" + key) || ""; };
  var STEP = 5;
  var current = null;     // the last slot asked for
  var answer = null;      // the last availability answer
  var range = null;       // {from, to} minutes of the day shown
  var band = null;
  var timer = null;
  var lastRequest = 0;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function minutesOf(hhmm) { var p = hhmm.split(":"); return +p[0] * 60 + +p[1]; }
  function clockOf(minutes) { return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60); }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  // An ISO time of the API (always +07:00) -> minutes since the chosen day's midnight, clipped to the day.
  function onDay(iso) {
    if (!current) { return 0; }
    var day = iso.slice(0, 10);
    if (day < current.day) { return 0; }
    if (day > current.day) { return 24 * 60; }
    return minutesOf(iso.slice(11, 16));
  }
  function fraction(minutes) { return (minutes - range.from) / (range.to - range.from); }
  function place(element, from, to) {
    var a = Math.max(0, Math.min(1, fraction(from)));
    var b = Math.max(0, Math.min(1, fraction(to)));
    element.style.left = (a * 100) + "%";
    element.style.width = Math.max(0, (b - a) * 100) + "%";
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // ---- where the slot comes from, and where a move goes ------------------------------------------------
  var standalone = document.getElementById("assistant-form");
  function moveTo(dayIso, start, end) {
    if (window.BookingForm) { window.BookingForm.moveTo(dayIso, start, end); return; }
    if (!standalone) { return; }
    standalone.querySelector("[name='start_time']").value = start;
    standalone.querySelector("[name='end_time']").value = end;
    standaloneChanged();
  }
  function standaloneSlot() {
    var f = function (name) { var e = standalone.querySelector("[name='" + name + "']"); return e ? e.value.trim() : ""; };
    var text = f("start_date");
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
    var day = m ? m[3] + "-" + pad(+m[2]) + "-" + pad(+m[1]) : (/^\d{4}-\d{2}-\d{2}$/.test(text) ? text : "");
    var picker = standalone.querySelector("[data-picker]");
    var clock = function (v) { var c = /^(\d{1,2}):(\d{2})$/.exec(v); return c ? pad(+c[1]) + ":" + c[2] : ""; };
    return {day: day, start: clock(f("start_time")), end: clock(f("end_time")), host: f("host"),
            endpoints: picker.pickerApi.chosen(), meeting: ""};
  }
  function standaloneChanged() {
    var s = standaloneSlot();
    var words = document.getElementById("date-words");
    if (words && s.day) {
      var names = (standalone.dataset.weekdays || "").split("|");
      var p = s.day.split("-");
      words.textContent = names[(new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])).getUTCDay() + 6) % 7] + ", " +
        p[2] + "/" + p[1] + "/" + p[0];
    }
    follow(s);
  }

  // ---- asking the server -------------------------------------------------------------------------------
  function follow(slot) {
    var sameQuestion = current && answer && slot.day === current.day && slot.host === current.host &&
      slot.endpoints.join(",") === current.endpoints.join(",") &&
      (minutesOf(slot.end || "0:00") - minutesOf(slot.start || "0:00")) === (minutesOf(current.end || "0:00") - minutesOf(current.start || "0:00"));
    current = slot;
    if (!slot.day || !slot.start || !slot.end || minutesOf(slot.end) <= minutesOf(slot.start)) {
      if (answer) { drawBand(); }
      return;
    }
    if (!slot.endpoints.length) {
      answer = null;
      timeline.innerHTML = "";
      timeline.appendChild(el("p", "text-muted small mb-0", t("choose")));
      slotsBox.innerHTML = "";
      return;
    }
    if (sameQuestion) { drawBand(); return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 250);
  }

  function ask() {
    var slot = current;
    var params = new URLSearchParams({date: slot.day, minutes: String(minutesOf(slot.end) - minutesOf(slot.start)),
                                      endpoints: slot.endpoints.join(","), host: slot.host});
    if (slot.meeting) { params.set("meeting", slot.meeting); }
    var requestId = ++lastRequest;
    fetch(section.dataset.url + "?" + params.toString(), {credentials: "same-origin",
      headers: {"Accept": "application/json", "Accept-Language": document.documentElement.lang}})
      .then(function (response) { return response.json().then(function (data) { return {ok: response.ok, data: data}; }); })
      .then(function (result) {
        if (requestId !== lastRequest) { return; }
        if (!result.ok) {
          answer = null;
          timeline.innerHTML = "";
          var fields = (result.data.error && result.data.error.fields) || {};
          var message = Object.keys(fields).map(function (k) { return fields[k]; }).join(" ") ||
            (result.data.error && result.data.error.message) || t("error");
          timeline.appendChild(el("p", "text-muted small mb-0", message));
          slotsBox.innerHTML = "";
          return;
        }
        answer = result.data;
        draw();
      })
      .catch(function () { timeline.innerHTML = ""; timeline.appendChild(el("p", "text-muted small", t("error"))); });
  }

  // ---- drawing ---------------------------------------------------------------------------------------
  function draw() {
    var dayStart = onDay(answer.day.start);
    var dayEnd = onDay(answer.day.end);
    var from = Math.min(dayStart, minutesOf(current.start));
    var to = Math.max(dayEnd, minutesOf(current.end));
    range = {from: Math.floor(from / 60) * 60, to: Math.min(24 * 60, Math.ceil(to / 60) * 60)};
    if (dayLabel) {
      var p = answer.date.split("-");
      var names = (section.getAttribute("data-weekdays") || "").split("|");
      var weekday = names[(new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])).getUTCDay() + 6) % 7];
      dayLabel.textContent = "· " + (weekday ? weekday + ", " : "") + p[2] + "/" + p[1] + "/" + p[0];
    }
    var provinces = {};
    answer.endpoints.forEach(function (e) { provinces[e.province] = (provinces[e.province] || 0) + 1; });
    var busyBy = {};
    answer.busy.forEach(function (b) { (busyBy[b.endpoint] = busyBy[b.endpoint] || []).push(b); });

    timeline.innerHTML = "";
    var axis = el("div", "tl-row tl-axis");
    axis.appendChild(el("div", "tl-label"));
    var ticks = el("div", "tl-track");
    axis.appendChild(ticks);
    timeline.appendChild(axis);
    var perHour = ticks.getBoundingClientRect().width / ((range.to - range.from) / 60);
    var every = perHour < 26 ? 180 : perHour < 42 ? 120 : 60;  // hour labels that do not run into each other
    for (var h = range.from; h <= range.to; h += every) {
      var tick = el("span", "tl-tick", clockOf(h).replace(":00", "h"));
      tick.style.left = (fraction(h) * 100) + "%";
      ticks.appendChild(tick);
    }
    // the working day, shaded outside
    var before = el("span", "tl-off"); place(before, range.from, dayStart); ticks.appendChild(before);
    var after = el("span", "tl-off"); place(after, dayEnd, range.to); ticks.appendChild(after);

    var rowsBox = el("div", "tl-rows");
    timeline.appendChild(rowsBox);
    var guests = answer.endpoints.filter(function (e) { return !e.is_host; });
    var host = answer.endpoints.filter(function (e) { return e.is_host; });
    var shortName = function (e) { return !e.is_host && e.province && provinces[e.province] === 1 ? e.province : e.name; };
    host.forEach(function (e) { rowsBox.appendChild(row(e, busyBy[e.code] || [], true, shortName(e))); });
    var collapse = guests.length > 24;
    ["north", "central", "south", ""].forEach(function (region) {
      var members = guests.filter(function (e) { return (e.region || "") === region; });
      if (!members.length) { return; }
      var group = el("details", "tl-group");
      group.open = !collapse;
      var summary = el("summary", "tl-row tl-summary");
      var label = el("div", "tl-label");
      var busyCount = members.filter(function (e) { return busyBy[e.code]; }).length;
      label.appendChild(el("span", "fw-semibold", (regions[region] || region) + " · " + members.length));
      if (busyCount) { label.appendChild(el("span", "badge text-bg-danger ms-1", format(t("busy"), {n: busyCount}))); }
      summary.appendChild(label);
      var track = el("div", "tl-track");
      members.forEach(function (e) { (busyBy[e.code] || []).forEach(function (b) { track.appendChild(block(b, true)); }); });
      summary.appendChild(track);
      group.appendChild(summary);
      members.forEach(function (e) { group.appendChild(row(e, busyBy[e.code] || [], false, shortName(e))); });
      rowsBox.appendChild(group);
    });
    band = el("div", "tl-band");
    band.setAttribute("data-testid", "timeline-band");
    band.setAttribute("role", "slider");
    band.setAttribute("tabindex", "0");
    band.setAttribute("aria-label", t("slot"));
    band.appendChild(el("span", "tl-band-label"));
    rowsBox.appendChild(band);
    drawBand();
    wireDrag(rowsBox);
    drawSlots();
  }

  function row(endpoint, blocks, isHost, labelText) {
    var line = el("div", "tl-row" + (isHost ? " tl-host" : ""));
    line.setAttribute("data-endpoint", endpoint.code);
    var label = el("div", "tl-label");
    label.title = endpoint.name;
    label.appendChild(el("span", "tl-name", labelText));
    if (isHost) { label.appendChild(el("span", "badge text-bg-warning ms-1", t("host"))); }
    line.appendChild(label);
    var track = el("div", "tl-track");
    blocks.forEach(function (b) { track.appendChild(block(b, false)); });
    line.appendChild(track);
    return line;
  }

  function block(b, faint) {
    var start = onDay(b.start), end = onDay(b.end), until = onDay(b.busy_until || b.end);
    var link = el("a", "tl-busy" + (faint ? " tl-faint" : ""));
    link.href = section.dataset.meetingUrl.replace(/0$/, String(b.meeting));
    link.title = b.title + " · " + b.start.slice(11, 16) + "–" + b.end.slice(11, 16) + " (+" + answer.setup_minutes + " " + t("setup") + ")";
    link.setAttribute("data-meeting", b.meeting);
    place(link, start, until);
    var meetingPart = el("span", "tl-busy-meeting", faint ? "" : b.title);
    var share = until > start ? (end - start) / (until - start) : 1;
    meetingPart.style.width = (share * 100) + "%";
    link.appendChild(meetingPart);
    var setupPart = el("span", "tl-busy-setup");
    setupPart.style.width = ((1 - share) * 100) + "%";
    link.appendChild(setupPart);
    return link;
  }

  function fits(start, end) {
    return answer.free.some(function (w) { return onDay(w.start) <= start && end <= onDay(w.end); });
  }

  function drawBand() {
    if (!band || !range || !current.start || !current.end) { return; }
    var start = minutesOf(current.start), end = minutesOf(current.end);
    band.style.left = "calc(var(--tl-label) + (100% - var(--tl-label)) * " + Math.max(0, fraction(start)) + ")";
    band.style.width = "calc((100% - var(--tl-label)) * " + Math.max(0, fraction(end) - fraction(start)) + ")";
    var ok = fits(start, end);
    band.classList.toggle("tl-band-ok", ok);
    band.classList.toggle("tl-band-bad", !ok);
    band.setAttribute("aria-valuetext", current.start + "–" + current.end);
    band.firstChild.textContent = current.start + "–" + current.end;
  }

  function drawSlots() {
    slotsBox.innerHTML = "";
    if (answer.ports.needed > answer.ports.limit) {
      slotsBox.appendChild(el("p", "small text-danger mb-0", format(t("ports"), answer.ports)));
      return;
    }
    if (!answer.free.length) {
      slotsBox.appendChild(el("p", "small text-muted mb-0", t("none")));
      return;
    }
    var length = minutesOf(current.end) - minutesOf(current.start);
    answer.free.forEach(function (w) {
      var start = onDay(w.start), end = onDay(w.end);
      var button = el(section.dataset.bookUrl ? "a" : "button", "btn btn-sm btn-outline-success free-slot");
      if (section.dataset.bookUrl) {
        var params = new URLSearchParams({date: answer.date, start: clockOf(start), end: clockOf(start + length),
                                          endpoints: current.endpoints.join(","), host: current.host});
        button.href = section.dataset.bookUrl + "?" + params.toString();
      } else {
        button.type = "button";
      }
      button.setAttribute("data-start", clockOf(start));
      button.appendChild(el("strong", "", clockOf(start) + "–" + clockOf(end)));
      button.appendChild(el("span", "small ms-1", format(t("minutes"), {n: end - start})));
      if (!section.dataset.bookUrl) {
        button.addEventListener("click", function () { moveTo(answer.date, clockOf(start), clockOf(start + length)); });
      }
      slotsBox.appendChild(button);
    });
  }

  // ---- the band: drag it, or click a free time, or use the arrow keys ----------------------------------
  function wireDrag(rowsBox) {
    var dragging = null;
    function minuteAt(clientX) {
      var track = rowsBox.querySelector(".tl-track");
      var box = track.getBoundingClientRect();
      var f = (clientX - box.left) / box.width;
      return range.from + f * (range.to - range.from);
    }
    function snap(m) { return Math.round(m / STEP) * STEP; }
    function moveBandTo(start, commit) {
      var length = minutesOf(current.end) - minutesOf(current.start);
      start = Math.max(range.from, Math.min(range.to - length, snap(start)));
      current = Object.assign({}, current, {start: clockOf(start), end: clockOf(start + length)});
      drawBand();
      if (commit) { moveTo(current.day, current.start, current.end); }
    }
    band.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      band.setPointerCapture(event.pointerId);
      dragging = {offset: minuteAt(event.clientX) - minutesOf(current.start)};
      band.classList.add("tl-dragging");
    });
    band.addEventListener("pointermove", function (event) {
      if (dragging) { moveBandTo(minuteAt(event.clientX) - dragging.offset, false); }
    });
    band.addEventListener("pointerup", function (event) {
      if (!dragging) { return; }
      dragging = null;
      band.classList.remove("tl-dragging");
      band.releasePointerCapture(event.pointerId);
      moveBandTo(minutesOf(current.start), true);
    });
    band.addEventListener("keydown", function (event) {
      var delta = {ArrowLeft: -15, ArrowRight: 15}[event.key];
      if (!delta) { return; }
      event.preventDefault();
      moveBandTo(minutesOf(current.start) + delta, true);
    });
    rowsBox.addEventListener("click", function (event) {
      if (event.target.closest(".tl-band, a, summary")) { return; }
      if (!event.target.closest(".tl-track")) { return; }
      var length = minutesOf(current.end) - minutesOf(current.start);
      moveBandTo(minuteAt(event.clientX) - length / 2, true);
    });
  }

  document.addEventListener("booking:slot", function (event) { follow(event.detail); });
  if (standalone) {
    standalone.addEventListener("change", standaloneChanged);
    standalone.addEventListener("input", function (event) {
      if (event.target.matches("[data-day], [data-clock]")) { standaloneChanged(); }
    });
    standalone.addEventListener("picker:change", standaloneChanged);
    standalone.addEventListener("submit", function (event) { event.preventDefault(); standaloneChanged(); });
    standaloneChanged();
  }
})();

// The MCU call panel: polls the calls API with If-None-Match and redraws the rows and counts; the
// "connected for" clocks tick every second. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var panel = document.getElementById("call-panel");
  if (!panel || panel.getAttribute("data-enabled") !== "yes" || panel.dataset.started) { return; }
  panel.dataset.started = "yes";

  var labels = JSON.parse(panel.getAttribute("data-labels"));
  var pollMs = Math.max(parseInt(panel.getAttribute("data-poll-seconds"), 10) || 5, 1) * 1000;
  var etag = '"' + panel.getAttribute("data-version") + '"';
  var live = panel.querySelector("[data-call-live-text]");
  var rows = {};
  panel.querySelectorAll("tr.call-row").forEach(function (row) { rows[row.getAttribute("data-endpoint")] = row; });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function stateText(item) {
    if (item.state === "disconnected" && item.hung_up) { return labels.hungUp; }
    return labels.state[item.state] || item.state;
  }

  function detail(cell, item) {
    cell.textContent = "";
    cell.setAttribute("data-connected-at", item.state === "connected" && item.connected_at ? item.connected_at : "");
    if (item.state === "failed" || (item.state === "dialling" && item.reason)) {
      cell.appendChild(document.createTextNode((item.reason_text || "") + " "));
      if (item.reason) { cell.appendChild(element("code", "", item.reason)); }
    } else if (item.state === "disconnected" && item.disconnected_at) {
      var text = item.disconnected_at.slice(11, 16);
      if (item.reason_text && !item.hung_up) { text += " · " + item.reason_text; }
      cell.textContent = text;
    } else if (item.dialled_in) {
      cell.textContent = labels.dialledIn;
    }
    tick(cell);
  }

  function tick(cell) {
    var since = cell.getAttribute("data-connected-at");
    if (!since) { return; }
    var seconds = Math.max(Math.floor((Date.now() - Date.parse(since)) / 1000), 0);
    cell.textContent = labels.connectedFor.replace("{time}", clock(seconds));
  }

  function updateRow(item) {
    var row = rows[item.endpoint];
    if (!row) { return false; }
    var changed = row.getAttribute("data-state") !== item.state;
    row.setAttribute("data-state", item.state);
    var badge = row.querySelector("[data-testid='call-state']");
    badge.className = "badge call-badge call-" + item.state;
    badge.setAttribute("data-state", item.state);
    badge.textContent = stateText(item);
    detail(row.querySelector("[data-cell='detail']"), item);
    row.querySelector("[data-cell='attempts']").textContent = item.attempts ? String(item.attempts) : "";
    var alarms = row.querySelector("[data-cell='alarms']");
    alarms.textContent = "";
    (item.alarms || []).forEach(function (alarm) {
      alarms.appendChild(element("span", "badge text-bg-danger me-1", labels.alarms[alarm] || alarm));
    });
    var readiness = row.querySelector("[data-cell='readiness']");
    readiness.textContent = "";
    if (item.readiness) {
      readiness.appendChild(element("span", "badge readiness-" + item.readiness, labels.readiness[item.readiness]));
    }
    if (item.test) {
      readiness.appendChild(document.createTextNode(" "));
      readiness.appendChild(element("span", "badge test-badge test-" + item.test, labels.test[item.test]));
    }
    var live = item.state === "dialling" || item.state === "ringing" || item.state === "connected";
    var dial = row.querySelector("[data-action='dial']");
    var hangUp = row.querySelector("[data-action='hang-up']");
    if (dial) { dial.hidden = live; }
    if (hangUp) { hangUp.hidden = !live; }
    if (changed) {
      row.classList.remove("flash");
      void row.offsetWidth;
      row.classList.add("flash");
    }
    return true;
  }

  function update(body) {
    Object.keys(body.counts).forEach(function (key) {
      panel.querySelectorAll("[data-call-count='" + key + "']").forEach(function (node) {
        node.textContent = String(body.counts[key]);
      });
    });
    var state = panel.querySelector("[data-testid='conference-state']");
    if (state) {
      state.setAttribute("data-state", body.conference.state);
      state.textContent = labels.conference[body.conference.state] || body.conference.state;
    }
    body.items.forEach(updateRow);
  }

  function poll() {
    fetch(panel.getAttribute("data-url"), {headers: {"If-None-Match": etag, "Accept": "application/json"},
      credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        etag = response.headers.get("ETag") || etag;
        return response.json();
      })
      .then(function (body) {
        if (body) { update(body); }
        panel.classList.remove("offline");
        if (live) { live.textContent = live.getAttribute("data-live") || live.textContent; }
      })
      .catch(function () { panel.classList.add("offline"); })
      .then(function () { window.setTimeout(poll, pollMs); });
  }

  if (live) { live.setAttribute("data-live", live.textContent); }
  window.setInterval(function () {
    panel.querySelectorAll("[data-cell='detail'][data-connected-at]").forEach(tick);
  }, 1000);
  panel.querySelectorAll("[data-cell='detail']").forEach(tick);
  window.setTimeout(poll, pollMs);
}());

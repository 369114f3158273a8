// Readiness: a reason before "not ready", and the live board (polling with If-None-Match, answers and
// test calls through the JSON API). No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content");

  // ---- "Not ready" (or "test failed") needs a reason --------------------------------------------
  function noteProblem(button) {
    if (!button || !button.hasAttribute("data-needs-note")) { return null; }
    var note = document.getElementById(button.getAttribute("data-needs-note"));
    return note && note.value.trim() === "" ? {note: note, message: button.getAttribute("data-message")} : null;
  }

  function showNoteError(note, message) {
    note.classList.add("is-invalid");
    var feedback = note.parentNode.querySelector("[data-client-error]");
    if (!feedback) {
      feedback = document.createElement("div");
      feedback.className = "invalid-feedback d-block";
      feedback.setAttribute("data-client-error", "");
      feedback.setAttribute("data-testid", "field-error");
      note.insertAdjacentElement("afterend", feedback);
    }
    feedback.textContent = message;
    note.focus();
  }

  document.querySelectorAll("form.answer-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var problem = noteProblem(event.submitter);
      if (problem) {
        event.preventDefault();
        showNoteError(problem.note, problem.message);
      }
    });
  });

  var board = document.getElementById("readiness-board");
  if (!board) { return; }

  // ---- the board ---------------------------------------------------------------------------------
  var labels = JSON.parse(board.getAttribute("data-labels"));
  var pollMs = Math.max(parseInt(board.getAttribute("data-poll-seconds"), 10) || 5, 1) * 1000;
  var etag = '"' + board.getAttribute("data-version") + '"';
  var timer = null;
  var startGroup = board.querySelector("[data-start-filter]");
  var filter = startGroup ? startGroup.getAttribute("data-start-filter") : "all";
  var search = document.getElementById("board-search");
  var live = board.querySelector("[data-testid='live-status']");
  var rows = {};
  board.querySelectorAll("tr.board-row").forEach(function (row) { rows[row.getAttribute("data-endpoint")] = row; });

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  Object.keys(rows).forEach(function (code) { rows[code].dataset.folded = fold(rows[code].dataset.search); });

  function when(iso) {
    return iso ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) + " " + iso.slice(11, 16) : "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function badge(kind, value) {
    var classes = {state: "state-badge state-", test: "test-badge test-", probe: "probe-badge probe-"};
    var node = element("span", "badge " + classes[kind] + value, labels[kind][value]);
    node.setAttribute("data-testid", kind + "-badge");
    node.setAttribute("data-" + kind, value);
    return node;
  }

  function who(name, via, onBehalf) {
    var text = via === "link" ? labels.contact : (name || "—");
    if (onBehalf) { text += " (" + labels.onBehalf + ")"; }
    return text + " · " + (labels.via[via] || via || "");
  }

  function fillCell(cell, parts) {
    cell.textContent = "";
    parts.forEach(function (part) { if (part) { cell.appendChild(part); } });
  }

  function answerCell(item) {
    var meta = "";
    if (item.updated_at) {
      meta = when(item.updated_at) + " · " + who(item.updated_by, item.updated_via, item.on_behalf);
    } else if (item.reminded_at) {
      meta = labels.reminded.replace("{time}", when(item.reminded_at));
    }
    return [badge("state", item.status), element("div", "cell-note", item.note), element("div", "small text-muted", meta)];
  }

  function testCell(item) {
    var test = item.test;
    return [badge("test", test ? test.result : "untested"), element("div", "cell-note", test ? test.note : ""),
      element("div", "small text-muted", test ? when(test.at) + " · " + test.by : "")];
  }

  function sipProbe(item) {
    var sip = item.sip_probe;
    if (!sip) { return null; }
    var wrap = element("div", "sip-probe");
    wrap.setAttribute("data-testid", "sip-probe");
    wrap.setAttribute("data-sip", sip.state);
    wrap.title = sip.uri;
    wrap.appendChild(element("span", "badge probe-badge probe-" + sip.state, labels.sip[sip.state]));
    wrap.appendChild(element("div", "small text-muted",
      sip.detail + (sip.latency_ms !== null ? " · " + sip.latency_ms + " ms" : "") + " · " + when(sip.checked_at)));
    return wrap;
  }

  function probeCell(item) {
    var probe = item.probe;
    var sip = sipProbe(item);
    if (!probe) { return [sip || element("span", "small text-muted", "—")]; }
    var meta = "";
    if (probe.checked_at) {
      meta = probe.detail + (probe.latency_ms !== null ? " · " + probe.latency_ms + " ms" : "") + " · " + when(probe.checked_at);
    }
    return [badge("probe", probe.state || "unchecked"), element("div", "small text-muted", meta), sip];
  }

  function updateRow(item) {
    var row = rows[item.endpoint];
    if (!row) { return false; }
    var changed = row.getAttribute("data-state") !== item.status;
    row.setAttribute("data-state", item.status);
    row.setAttribute("data-test", item.test ? item.test.result : "untested");
    row.setAttribute("data-probe", item.probe ? (item.probe.state || "unchecked") : "none");
    fillCell(row.querySelector("[data-cell='answer']"), answerCell(item));
    fillCell(row.querySelector("[data-cell='test']"), testCell(item));
    fillCell(row.querySelector("[data-cell='probe']"), probeCell(item));
    if (changed) {
      row.classList.remove("flash");
      void row.offsetWidth;  // restart the animation
      row.classList.add("flash");
    }
    var dot = board.querySelector(".map-dot[data-endpoint='" + item.endpoint + "']");
    if (dot) {
      ["pending", "ready", "not_ready"].forEach(function (state) { dot.classList.remove("state-" + state); });
      dot.classList.add("state-" + item.status);
    }
    return true;
  }

  function setCount(key, value) {
    board.querySelectorAll("[data-count='" + key + "']").forEach(function (node) { node.textContent = String(value); });
  }

  function updateBars(counts) {
    var total = counts.ready + counts.not_ready + counts.pending || 1;
    board.querySelectorAll("svg.state-bar").forEach(function (bar) {
      var ready = bar.querySelector("[data-bar='ready']");
      var notReady = bar.querySelector("[data-bar='not_ready']");
      var readyWidth = (counts.ready * 100 / total).toFixed(2);
      ready.setAttribute("width", readyWidth);
      notReady.setAttribute("x", readyWidth);
      notReady.setAttribute("width", (counts.not_ready * 100 / total).toFixed(2));
    });
  }

  function updateRegions() {
    board.querySelectorAll("tbody[data-region]").forEach(function (group) {
      ["ready", "not_ready", "pending"].forEach(function (state) {
        var node = group.querySelector("[data-region-count='" + state + "']");
        if (node) { node.textContent = String(group.querySelectorAll("tr.board-row[data-state='" + state + "']").length); }
      });
    });
  }

  function fillList(name, items, describe) {
    var list = board.querySelector("[data-list='" + name + "']");
    list.textContent = "";
    items.forEach(function (item) {
      var entry = element("li");
      entry.setAttribute("data-endpoint", item.endpoint);
      var link = element("a", "", item.name);
      link.href = "#row-" + item.endpoint;
      entry.appendChild(link);
      describe(entry, item);
      list.appendChild(entry);
    });
    if (!items.length) {
      var empty = element("li", "text-muted", labels.none);
      empty.setAttribute("data-empty", "");
      list.appendChild(empty);
    }
  }

  function addPhone(entry, item) {
    var phone = rows[item.endpoint] ? rows[item.endpoint].getAttribute("data-phone") : "";
    if (phone) {
      var call = element("a", "", phone);
      call.href = "tel:" + phone.replace(/\s+/g, "");
      entry.appendChild(document.createTextNode(" · "));
      entry.appendChild(call);
    }
  }

  function updateAttention(items) {
    fillList("not_ready", items.filter(function (item) { return item.status === "not_ready"; }), function (entry, item) {
      entry.appendChild(document.createTextNode(": "));
      entry.appendChild(element("span", "attention-note", item.note));
      addPhone(entry, item);
    });
    fillList("pending", items.filter(function (item) { return item.status === "pending"; }), addPhone);
  }

  function historyItem(change) {
    var entry = element("li", "history-item");
    entry.setAttribute("data-testid", "history-item");
    entry.setAttribute("data-aspect", change.aspect);
    entry.setAttribute("data-from", change.from || "");
    entry.setAttribute("data-to", change.to);
    var kind = change.aspect === "answer" ? "state" : "test";
    var from = change.from ? labels[kind][change.from] : labels[kind][kind === "state" ? "pending" : "untested"];
    entry.appendChild(element("span", "text-muted small text-nowrap", when(change.at)));
    entry.appendChild(document.createTextNode(" "));
    entry.appendChild(element("strong", "", change.name));
    entry.appendChild(document.createTextNode(": " + from + " → "));
    entry.appendChild(badge(kind, change.to));
    if (change.note) { entry.appendChild(element("span", "history-note", " “" + change.note + "”")); }
    entry.appendChild(element("span", "small text-muted", " — " + who(change.by, change.via, change.on_behalf)));
    return entry;
  }

  function updateHistory(history) {
    if (!history) { return; }
    var list = board.querySelector("[data-testid='board-history']");
    list.textContent = "";
    history.forEach(function (change) { list.appendChild(historyItem(change)); });
  }

  function updateFlags(data) {
    board.setAttribute("data-open", data.open ? "yes" : "no");
    board.setAttribute("data-test-open", data.test_open ? "yes" : "no");
    board.querySelectorAll("[data-needs-open]").forEach(function (node) { node.hidden = !data.open; });
    board.querySelectorAll("[data-needs-test-open]").forEach(function (node) { node.hidden = !data.test_open; });
    var state = board.querySelector("[data-testid='open-state']");
    state.textContent = state.getAttribute(data.open ? "data-open-text" : "data-closed-text");
  }

  function noticeReload() {
    if (board.querySelector("[data-reload-notice]")) { return; }
    var notice = element("div", "alert alert-info", labels.reload);
    notice.setAttribute("data-reload-notice", "");
    board.insertBefore(notice, board.firstChild);
  }

  function apply(data) {
    var seen = 0;
    data.items.forEach(function (item) { seen += updateRow(item) ? 1 : 0; });
    if (seen !== data.items.length || seen !== Object.keys(rows).length) { noticeReload(); }
    Object.keys(data.counts).forEach(function (key) { setCount(key, data.counts[key]); });
    setCount("attention", (data.counts.pending || 0) + (data.counts.not_ready || 0));
    setCount("test_ok", data.tests.test_ok);
    setCount("test_failed", data.tests.test_failed);
    setCount("probe_ok", data.probes.ok);
    setCount("probe_failed", data.probes.failed);
    updateBars(data.counts);
    updateRegions();
    updateAttention(data.items);
    updateHistory(data.history);
    updateFlags(data);
    applyFilter();
    board.setAttribute("data-version", data.version);
  }

  function setLive(ok) {
    live.classList.toggle("offline", !ok);
    var now = new Date();
    var time = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2) + ":" + ("0" + now.getSeconds()).slice(-2);
    live.querySelector("[data-live-text]").textContent = ok ? labels.updated.replace("{time}", time) : labels.offline;
  }

  function poll() {
    clearTimeout(timer);
    fetch(board.getAttribute("data-url"), {
      credentials: "same-origin", cache: "no-store",
      headers: {"Accept": "application/json", "If-None-Match": etag}
    }).then(function (response) {
      if (response.status === 304) { setLive(true); return null; }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      etag = response.headers.get("ETag") || etag;
      return response.json();
    }).then(function (data) {
      if (data) { apply(data); setLive(true); }
    }).catch(function () {
      setLive(false);
    }).then(function () {
      timer = setTimeout(poll, document.hidden ? pollMs * 3 : pollMs);
    });
  }

  // ---- filters -------------------------------------------------------------------------------------
  function matches(row) {
    if (filter === "all") { return true; }
    if (filter === "attention") { return row.getAttribute("data-state") !== "ready"; }
    if (filter === "test_failed" || filter === "untested") { return row.getAttribute("data-test") === filter; }
    if (filter === "probe_failed") { return row.getAttribute("data-probe") === "failed"; }
    return row.getAttribute("data-state") === filter;
  }

  function applyFilter() {
    var needle = search ? fold(search.value.trim()) : "";
    Object.keys(rows).forEach(function (code) {
      var row = rows[code];
      row.hidden = !matches(row) || (needle !== "" && row.dataset.folded.indexOf(needle) === -1);
    });
  }

  board.querySelectorAll("[data-filter]").forEach(function (button) {
    button.addEventListener("click", function () {
      filter = filter === button.getAttribute("data-filter") && filter !== "all" ? "all" : button.getAttribute("data-filter");
      board.querySelectorAll(".board-filters [data-filter]").forEach(function (other) {
        var active = other.getAttribute("data-filter") === filter;
        other.classList.toggle("active", active);
        other.setAttribute("aria-pressed", active ? "true" : "false");
      });
      applyFilter();
    });
  });
  if (search) { search.addEventListener("input", applyFilter); }
  applyFilter();

  // ---- answering for an endpoint and recording test calls, in a dialog -------------------------
  function setupModal(id, pageUrl, apiUrl, field) {
    var modal = document.getElementById(id);
    if (!modal) { return; }
    var form = modal.querySelector("form");
    var note = form.querySelector("textarea");
    var error = form.querySelector("[data-modal-error]");
    var dialog = window.bootstrap.Modal.getOrCreateInstance(modal);

    board.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action='" + form.getAttribute("data-modal-form") + "']");
      if (!button) { return; }
      var row = button.closest("tr.board-row");
      form.setAttribute("data-code", row.getAttribute("data-endpoint"));
      form.action = pageUrl.replace("__code__", encodeURIComponent(row.getAttribute("data-endpoint")));
      modal.querySelector("[data-modal-name]").textContent = row.getAttribute("data-name");
      note.value = "";
      note.classList.remove("is-invalid");
      error.textContent = "";
      dialog.show();
    });
    // Bootstrap ignores hide() while the dialog is still fading in: an answer that comes back that soon
    // closes the dialog once it has finished opening.
    var opened = true;
    modal.addEventListener("show.bs.modal", function () { opened = false; });
    modal.addEventListener("shown.bs.modal", function () { opened = true; note.focus(); });
    function close() {
      if (opened) { dialog.hide(); return; }
      modal.addEventListener("shown.bs.modal", function () { dialog.hide(); }, {once: true});
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var problem = noteProblem(event.submitter);
      if (problem) {
        note.classList.add("is-invalid");
        error.textContent = problem.message;
        return;
      }
      var body = {note: note.value};
      body[field] = event.submitter.value;
      var code = form.getAttribute("data-code");
      fetch(apiUrl.replace("__code__", encodeURIComponent(code)), {
        method: "PUT", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept-Language": document.documentElement.lang},
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      }).then(function (answer) {
        if (answer.ok) {
          close();
          poll();
          return;
        }
        var failure = answer.data.error || {};
        var fields = failure.fields || {};
        note.classList.toggle("is-invalid", Boolean(fields.note));
        error.textContent = fields.note || fields[field] || failure.message || "";
      }).catch(function () {
        error.textContent = labels.offline;
      });
    });
  }

  setupModal("answer-modal", board.getAttribute("data-answer-page"), board.getAttribute("data-answer-api"), "status");
  setupModal("test-modal", board.getAttribute("data-test-page"), board.getAttribute("data-test-api"), "result");

  timer = setTimeout(poll, pollMs);
})();

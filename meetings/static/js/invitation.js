// Accepting a government invitation: the booking picker, with conflicts checked as endpoints are chosen.
(function () {
  "use strict";
  var form = document.getElementById("invitation-form");
  if (!form) { return; }
  var picker = form.querySelector("[data-picker]");
  var result = document.getElementById("check-result");
  var csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  var timer = null;
  var last = 0;

  function escapeHtml(text) { var div = document.createElement("div"); div.textContent = text; return div.innerHTML; }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }

  function check() {
    var endpoints = picker.pickerApi.chosen();
    if (!endpoints.length) { result.className = "mb-2"; result.innerHTML = ""; picker.pickerApi.markBusy({}); return; }
    var id = ++last;
    fetch(form.dataset.checkUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept-Language": document.documentElement.lang},
      body: JSON.stringify({title: "-", start: form.dataset.start, end: form.dataset.end, host: picker.pickerApi.host(),
                            endpoints: endpoints})
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (id !== last) { return; }
      if (data.ok) {
        result.className = "check-result alert alert-success py-2 mb-2";
        result.innerHTML = "<i class='bi bi-check-circle'></i> " + escapeHtml(form.dataset.okText);
        picker.pickerApi.markBusy({});
        return;
      }
      var busy = {};
      var codes = [];
      var html = (data.groups || []).map(function (group) {
        group.endpoints.forEach(function (e) { busy[e.code] = group.title; codes.push(e.code); });
        return "<details class='conflict-group mb-1'><summary><strong>" + escapeHtml(format(form.dataset.inText, {
          n: group.endpoints.length, title: group.title, time: group.start.slice(11, 16) + "–" + group.end.slice(11, 16)})) +
          "</strong></summary><ul class='small mb-1 mt-1 conflict-names'>" + group.endpoints.map(function (e) {
            return "<li>" + escapeHtml(e.name) + "</li>"; }).join("") + "</ul></details>";
      }).join("");
      if (codes.length) {
        html += "<button type='button' class='btn btn-sm btn-outline-danger mt-1' data-leave-busy>" +
          escapeHtml(form.dataset.leaveText) + "</button>";
      }
      result.className = "check-result alert alert-danger mb-2";
      result.setAttribute("data-testid", "conflicts");
      result.dataset.busyCodes = codes.join(" ");
      result.innerHTML = html;
      picker.pickerApi.markBusy(busy);
    }).catch(function () { /* the server decides on accepting */ });
  }

  result.addEventListener("click", function (event) {
    if (!event.target.closest("[data-leave-busy]")) { return; }
    picker.pickerApi.uncheck((result.dataset.busyCodes || "").split(" ").filter(Boolean));
  });
  picker.addEventListener("picker:change", function () { window.clearTimeout(timer); timer = window.setTimeout(check, 300); });
})();

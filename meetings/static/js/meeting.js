// The meeting page: widths of the readiness bar (the CSP forbids inline styles).
(function () {
  "use strict";
  document.querySelectorAll("[data-width]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-width") + "%";
  });
})();

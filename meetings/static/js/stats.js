// The statistics dashboard: a new year shows at once (the year picker submits its form; quarter and range reset).
document.querySelectorAll("[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => {
    const form = select.form;
    ["quarter", "from", "to"].forEach((name) => { if (form.elements[name]) form.elements[name].value = ""; });
    form.submit();
  });
});
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));

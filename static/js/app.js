// organiser: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: <button data-copy-target="id-of-input">.
  document.querySelectorAll("[data-copy-target]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copyTarget);
      if (!field) return;
      const status = document.getElementById(button.dataset.copyStatus || "");
      try {
        await navigator.clipboard.writeText(field.value || field.textContent);
      } catch (err) {
        field.select && field.select();
        document.execCommand && document.execCommand("copy");
      }
      if (status) status.textContent = button.dataset.copiedText || "Gekopieerd";
    });
  });
  // Print buttons on printable pages: <button data-print hidden> (without script, the browser's own print works).
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
  // A start that changes takes its end along, keeping the length: <input type="datetime-local" data-end-field="id">.
  // Wall-clock arithmetic on the typed values (no time zone), as the server reads them.
  const wallClock = (text) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || "");
    return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) : null;
  };
  document.querySelectorAll("input[data-end-field]").forEach((start) => {
    const end = document.getElementById(start.dataset.endField);
    if (!end) return;
    let previous = start.value;
    start.addEventListener("change", () => {
      const before = wallClock(previous);
      const after = wallClock(start.value);
      const ending = wallClock(end.value);
      if (after !== null) previous = start.value;
      if (before === null || after === null || ending === null || after === before) return;
      end.value = new Date(ending + (after - before)).toISOString().slice(0, 16);
    });
  });
  // Search as you type on a list: <input data-filter-list="id of the list" data-filter-status="id of a status">.
  // Items carry data-search (name and address, lower case without accents, as the server folds them); without
  // script the same search is the form's GET. A tap's form (data-keeps-search) takes the typed text along.
  const fold = (text) => (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  document.querySelectorAll("input[data-filter-list]").forEach((input) => {
    const list = document.getElementById(input.dataset.filterList);
    const status = document.getElementById(input.dataset.filterStatus || "");
    if (!list) return;
    const items = Array.from(list.querySelectorAll("[data-search]"));
    let timer = null;
    const filter = () => {
      const wanted = fold(input.value);
      let shown = 0;
      items.forEach((item) => {
        const match = !wanted || item.dataset.search.includes(wanted);
        item.hidden = !match;
        if (match) shown += 1;
      });
      document.querySelectorAll("form[data-keeps-search] input[name=q]").forEach((q) => { q.value = input.value; });
      if (!status) return;
      // Announced after a pause in typing, not on every key.
      clearTimeout(timer);
      timer = setTimeout(() => {
        status.textContent = shown ? (status.dataset.foundText || "{count}").replace("{count}", shown)
          : status.dataset.noneText || "";
      }, 600);
    };
    input.addEventListener("input", filter);
  });
  // Move focus to an error summary so keyboard and screen reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // After an answer, move focus to its outcome (WCAG 4.1.3): <div data-focus-on-load tabindex="-1">.
  else {
    const outcome = document.querySelector("[data-focus-on-load]");
    if (outcome) outcome.focus();
  }
});

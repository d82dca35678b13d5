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
  // Move focus to an error summary so keyboard and screen reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

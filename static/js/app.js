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
  // Move focus to an error summary so keyboard and screen reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // After an answer, move focus to its outcome (WCAG 4.1.3): <div data-focus-on-load tabindex="-1">.
  else {
    const outcome = document.querySelector("[data-focus-on-load]");
    if (outcome) outcome.focus();
  }
});

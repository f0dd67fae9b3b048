// Start GOV.UK Frontend components on every page (loaded as a module, CSP-friendly).
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

// The caseload's filter panel is long: on a phone-sized screen it starts closed (its summary
// opens it) unless a filter is in force. Without this script it is simply open.
for (const panel of document.querySelectorAll("details[data-spmp-filter-panel]:not([data-filtered])")) {
  if (window.matchMedia("(max-width: 48.0525em)").matches) {
    panel.open = false;
  }
}

// "Add another" on a plan's part (templates/plans/_rows.html): focus the new row's first box,
// after htmx swaps the rows in, or when the page came back without JavaScript's help.
function focusNewRow(root) {
  const box = root.querySelector("[data-new-row] input, [data-new-row] textarea, [data-new-row] select");
  if (box) {
    box.focus();
  }
}
focusNewRow(document);
document.body.addEventListener("htmx:afterSettle", (event) => focusNewRow(event.detail.elt.ownerDocument));

// "Print this briefing" (templates/plans/briefing_detail.html): shown only when it can work.
for (const button of document.querySelectorAll("button[data-spmp-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Start GOV.UK Frontend components on every page (loaded as a module, CSP-friendly).
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

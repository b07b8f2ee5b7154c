// Two-factor compliance in words: the badge each operator gets in the lists, the filter's
// choices, and the counts per state (the account's summary, a preview's outcome).
//
// An operator is NOT_REQUIRED (their mode is not Required), EXEMPT (single sign-on),
// COMPLIANT (required and set up), PENDING (required, not set up, before their deadline;
// invited operators too) or OVERDUE (required, not set up, deadline passed or none: a
// password alone no longer logs them in).

import { h } from "./forms.js";

// Every TwoFactorCompliance value, in the API's order: `label` for badges, counts and the
// filter; `operators` ends the sentence "3 operators …" above a filtered list.
export const COMPLIANCE = {
  NOT_REQUIRED: { label: "Not required", operators: "not required to use two-factor authentication" },
  EXEMPT: { label: "Exempt", operators: "exempt as they sign in with single sign-on" },
  COMPLIANT: { label: "Compliant", operators: "with two-factor authentication set up as required" },
  PENDING: { label: "Pending", operators: "still in time to set up two-factor authentication" },
  OVERDUE: { label: "Overdue", operators: "past their setup deadline" },
};

/** The GraphQL field names of the counts, as TwoFactorSummary and the preview spell them. */
const COUNT_FIELDS = { NOT_REQUIRED: "notRequired", EXEMPT: "exempt", COMPLIANT: "compliant", PENDING: "pending", OVERDUE: "overdue" };

/** The selection for those counts. */
export const COUNTS = Object.values(COUNT_FIELDS).join(" ");

/** A badge for one operator's compliance; its look (console.css) follows the state. */
export function complianceBadge(compliance) {
  return h("span", { class: `badge compliance compliance-${compliance.toLowerCase().replace("_", "-")}` }, COMPLIANCE[compliance].label);
}

/** The counts per compliance state as facts (`counts` has the fields of COUNTS), most urgent first. */
export function complianceCounts(counts) {
  const order = ["OVERDUE", "PENDING", "COMPLIANT", "EXEMPT", "NOT_REQUIRED"];
  return h(
    "dl",
    { class: "facts" },
    order.flatMap((state) => [h("dt", {}, COMPLIANCE[state].label), h("dd", {}, String(counts[COUNT_FIELDS[state]]))]),
  );
}

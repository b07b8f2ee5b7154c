// The confirmation step before a new account default is applied: what it would do, from
// `twoFactorPolicyPreview`, said in sentences (who still has time and until when, who would
// be locked out of password-only login at once, administrators first of all), with the
// counts per compliance state, then Apply or Cancel.
// The preview changes nothing and emails nobody; Apply runs setAccountTwoFactorDefault.

import { COUNTS, complianceCounts } from "../compliance.js";
import { formatTime, timeElement } from "../format.js";
import { h, plural, uid } from "../forms.js";

/** Names listed of those who would be locked out; the rest are counted ("and 3 more"). */
export const NAMES_SHOWN = 20;

export const PREVIEW = `query Preview($mode: TwoFactorMode!, $grace: Int, $from: DateTime) {
  twoFactorPolicyPreview(mode: $mode, gracePeriodHours: $grace, enforceFrom: $from) {
    ${COUNTS}
    wouldBeOverdue(first: ${NAMES_SHOWN}) { totalCount edges { node { id name email role } } }
  }
}`;

/**
 * A default in words: "two-factor authentication is required by default, with a grace
 * period of 72 hours, enforced from 2 March 2026 at 09:00:00" (`is`: "will be" for one to come).
 */
export function describeDefault({ mode, hours, enforceFrom }, is = "is") {
  const words = { REQUIRED: "required", OPTIONAL: "optional", DISABLED: "disabled" }[mode];
  const grace = hours > 0 ? `, with a grace period of ${plural(hours, "hour")}` : "";
  const scheduled = enforceFrom ? `, enforced from ${formatTime(enforceFrom)}` : "";
  return `two-factor authentication ${is} ${words} by default${grace}${scheduled}`;
}

/**
 * The confirmation step for `change` ({ mode, hours, enforceFrom }) given its `preview`.
 * `account` is the account as it is ({ twoFactorDefault }), `viewerId` the administrator's
 * id; `apply()` and `cancel()` are called by the buttons.
 */
export function previewStep({ change, preview, account, viewerId, previewedAt, apply, cancel }) {
  const titleId = uid("preview");
  const applyButton = h("button", { type: "button", class: "primary", onclick: apply }, "Apply");
  const element = h(
    "div",
    { class: `confirm preview${preview.overdue ? " locks-out" : ""}`, role: "group", "aria-labelledby": titleId },
    h("h2", { id: titleId, tabIndex: -1 }, "Check before applying"),
    h("p", {}, `If you apply this, ${describeDefault(change, "will be")}.`),
    consequences({ change, preview, account, viewerId, previewedAt }).map((sentence) => h("p", {}, ...sentence)),
    h("p", {}, "Operators by two-factor compliance after the change:"),
    complianceCounts(preview),
    h("p", { class: "hint" }, "Nothing has changed yet, and no one has been emailed."),
    h("div", { class: "actions" }, applyButton, h("button", { type: "button", onclick: cancel }, "Cancel")),
  );
  return { element, focus: () => element.querySelector("h2").focus(), applyButton };
}

/** The sentences (each a list of strings and nodes) saying what the change would do. */
function consequences({ change, preview, account, viewerId, previewedAt }) {
  const sentences = [];
  const { pending, overdue } = preview;
  const have = (count) => (count === 1 ? "has" : "have");
  if (pending > 0) sentences.push(stillInTime(change, pending, account, previewedAt));
  const locked = preview.wouldBeOverdue;
  const nodes = locked.edges.map((edge) => edge.node);
  if (overdue > 0) {
    sentences.push([
      `${plural(overdue, "operator")} ${have(overdue)} not set up two-factor authentication; they can no longer log in with a password alone once this is applied: `,
      names(nodes, locked.totalCount),
      ".",
    ]);
  } else {
    sentences.push(["No one would be locked out of password-only login at once."]);
  }
  const administrators = nodes.filter((node) => node.role === "ADMINISTRATOR");
  if (administrators.length) {
    const atLeast = locked.totalCount > nodes.length ? "At least " : "";
    const you = administrators.some((node) => node.id === viewerId)
      ? " You are one of them: set up two-factor authentication for yourself first, or give a grace period."
      : "";
    sentences.push([
      `${atLeast}${plural(administrators.length, "administrator")} would be locked out of password-only login at once: `,
      names(administrators, administrators.length),
      `.${you}`,
    ]);
  }
  return sentences;
}

/**
 * "12 operators have not set up two-factor authentication; with a 72-hour grace period they
 * can still log in with their password until …". Operators who become required by this
 * change get the later of now + grace and the scheduled enforcement; those required before
 * (a default that stays Required, an override) count their grace from then, so sooner.
 */
function stillInTime({ mode, hours, enforceFrom }, pending, account, previewedAt) {
  const who = `${plural(pending, "operator")} ${pending === 1 ? "has" : "have"} not set up two-factor authentication; `;
  if (hours === 0 && !enforceFrom) {
    // No deadline to wait for: only invited operators are still in time.
    return [`${plural(pending, "invited operator")} will set it up as they accept their invitation.`];
  }
  const graceEnds = new Date(previewedAt.getTime() + hours * 3_600_000);
  const deadline = enforceFrom && new Date(enforceFrom) >= graceEnds ? enforceFrom : graceEnds.toISOString();
  const grace = `a ${hours}-hour grace period`;
  const condition = !enforceFrom ? [grace] : hours ? [grace, " and enforcement from ", timeElement(enforceFrom)] : ["enforcement from ", timeElement(enforceFrom)];
  const exact = mode === "REQUIRED" && account.twoFactorDefault !== "REQUIRED";
  const until = exact
    ? (hours || !enforceFrom ? [timeElement(deadline)] : ["then"])
    : ["their deadline, ", timeElement(deadline), " at the latest"];
  return [who, "with ", ...condition, " they can still log in with their password until ", ...until, "."];
}

/** "Ada, Bob and Carl", or "Ada, Bob and 3 more" when `total` is more than those listed. */
function names(nodes, total) {
  const listed = nodes.map((node) => node.name);
  const rest = total - listed.length;
  if (rest > 0) return `${listed.join(", ")} and ${rest} more`;
  return listed.length > 1 ? `${listed.slice(0, -1).join(", ")} and ${listed.at(-1)}` : (listed[0] ?? "");
}

// The account page, for administrators: the two-factor default as it is (mode, grace period,
// scheduled enforcement), the operators counted by compliance with the report to download,
// and the form that changes the default. A change is previewed first (policy-preview.js):
// Apply runs setAccountTwoFactorDefault, through mutate() and so through the "confirm it is
// you" prompt when the session proved who it is too long ago.

import { ApiError, graphql, mutate, USER_ERRORS } from "../api.js";
import { COUNTS, complianceCounts } from "../compliance.js";
import { fromLocalInput, localInputValue, timeElement } from "../format.js";
import { field, form, h, heading, MODES, modeRadios, plural, showErrors } from "../forms.js";
import { reportDownload } from "../report.js";
import { navigate } from "../router.js";
import { describeDefault, PREVIEW, previewStep } from "./policy-preview.js";

const ACCOUNT = `query Account {
  viewer { id account {
    name twoFactorDefault twoFactorGracePeriodHours twoFactorEnforceFrom trustedDeviceDays
    twoFactorSummary { totalOperators setupRequired ${COUNTS} }
  } }
}`;

const SET_DEFAULT = `mutation SetDefault($mode: TwoFactorMode!, $gracePeriodHours: Int, $enforceFrom: DateTime) {
  setAccountTwoFactorDefault(input: { mode: $mode, gracePeriodHours: $gracePeriodHours, enforceFrom: $enforceFrom }) {
    account { twoFactorDefault twoFactorGracePeriodHours twoFactorEnforceFrom }
    ${USER_ERRORS}
  }
}`;

const SET_DEVICE_DAYS = `mutation SetTrustedDeviceDays($days: Int!) {
  setAccountTrustedDeviceDays(input: { days: $days }) { account { trustedDeviceDays } ${USER_ERRORS} }
}`;

export async function accountPage() {
  const { id: viewerId, account } = (await graphql(ACCOUNT)).viewer;
  const summary = account.twoFactorSummary;
  const scheduled = account.twoFactorEnforceFrom;
  return h(
    "section",
    { class: "narrow" },
    heading("Account settings"),
    h("p", {}, `${account.name} has ${plural(summary.totalOperators, "operator")}; ${summary.setupRequired} still to set up two-factor authentication.`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Default"),
      h("dd", {}, MODES[account.twoFactorDefault].label),
      h("dt", {}, "Grace period"),
      h("dd", {}, account.twoFactorGracePeriodHours ? plural(account.twoFactorGracePeriodHours, "hour") : "None"),
      scheduled && h("dt", {}, "Enforced from"),
      scheduled && h("dd", {}, timeElement(scheduled)),
      h("dt", {}, "Remember browsers"),
      h("dd", {}, account.trustedDeviceDays ? `For ${plural(account.trustedDeviceDays, "day")}` : "Off"),
    ),
    h("h2", {}, "Compliance"),
    complianceCounts(summary),
    reportDownload(),
    h("h2", {}, "Change the default"),
    defaultForm(account, viewerId),
    h("h2", {}, "Remembered browsers"),
    trustedDeviceDaysForm(account),
  );
}

/**
 * How long "Remember this browser" at login lasts: 0 (off) to 30 days. Turning it off
 * forgets every remembered browser of the account.
 */
function trustedDeviceDaysForm(account) {
  return form(
    {
      submitLabel: "Save",
      submit: async ({ days }) => {
        const result = await mutate(SET_DEVICE_DAYS, { days: Number(days) });
        if (result.account) {
          const saved = result.account.trustedDeviceDays;
          navigate("/account", saved ? `Saved: browsers are remembered for ${plural(saved, "day")}.` : "Saved: browsers are not remembered.");
        }
        return result.userErrors;
      },
    },
    field({
      label: "Remember browsers for (days)",
      name: "days",
      type: "number",
      hint: "At login, operators may tick “Remember this browser”: logging in there then asks for the password only, for this many days (0 to 30; 0: off, and every remembered browser is forgotten).",
      min: 0,
      max: 30,
      step: 1,
      inputMode: "numeric",
      required: true,
      value: String(account.trustedDeviceDays),
    }),
  );
}

/** The mode, grace period and "Enforce from"; "Preview change" shows what they would do. */
function defaultForm(account, viewerId) {
  const step = h("div", {});
  let shown = null; // the confirmation step on show, if any
  const close = () => {
    shown = null;
    step.replaceChildren();
  };

  const apply = async (formElement, change) => {
    const button = shown.applyButton;
    if (button.getAttribute("aria-disabled")) return;
    button.setAttribute("aria-disabled", "true");
    let errors;
    try {
      const result = await mutate(SET_DEFAULT, { mode: change.mode, gracePeriodHours: change.hours, enforceFrom: change.enforceFrom });
      if (result.account) {
        navigate("/account", `Saved: ${describeDefault({ ...change, enforceFrom: result.account.twoFactorEnforceFrom })}.`);
        return;
      }
      errors = result.userErrors;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "UNAUTHENTICATED") return;
      errors = [error];
    } finally {
      button.removeAttribute("aria-disabled");
    }
    // Refused (or the prompt was cancelled): back to the form, the reasons by their fields.
    close();
    showErrors(formElement, errors);
    if (!formElement.contains(document.activeElement)) formElement.querySelector("button[type=submit]").focus();
  };

  const formElement = form(
    {
      submitLabel: "Preview change",
      submit: async ({ mode, gracePeriodHours, enforceFrom }, element) => {
        close();
        const change = { mode, hours: Number(gracePeriodHours), enforceFrom: enforceFrom ? fromLocalInput(enforceFrom) : null };
        const previewedAt = new Date();
        let preview;
        try {
          preview = (await graphql(PREVIEW, { mode, grace: change.hours, from: change.enforceFrom })).twoFactorPolicyPreview;
        } catch (error) {
          if (!(error instanceof ApiError) || error.code !== "INVALID_INPUT") throw error;
          // A top-level error names its argument in extensions.argument.
          return [{ code: error.code, message: error.message, field: [error.argument ?? "enforceFrom"] }];
        }
        shown = previewStep({
          change,
          preview,
          account,
          viewerId,
          previewedAt,
          apply: () => apply(element, change),
          cancel: () => {
            close();
            element.querySelector("button[type=submit]").focus();
          },
        });
        step.replaceChildren(shown.element);
        shown.focus();
        return [];
      },
    },
    modeRadios({ legend: "Two-factor authentication for operators without an override", checked: account.twoFactorDefault }),
    field({
      label: "Grace period (hours)",
      name: "gracePeriodHours",
      type: "number",
      hint: "When two-factor authentication becomes required for operators who have not set it up, they may still log in with their password for this long (0 to 720 hours; 0: none). Each such login emails them a setup link.",
      min: 0,
      max: 720,
      step: 1,
      inputMode: "numeric",
      required: true,
      value: String(account.twoFactorGracePeriodHours),
    }),
    enforceFromField(account.twoFactorEnforceFrom),
  );
  // A preview is of the values it was asked for: changing any of them takes it away.
  formElement.addEventListener("input", () => shown && close());
  return h("div", {}, formElement, step);
}

/**
 * "Enforce from": optional, in the browser's local time. It shows the current schedule while
 * that is ahead, since saving with it empty clears it; one already passed changes nothing.
 */
function enforceFromField(current) {
  const ahead = current && new Date(current) > new Date();
  const value = ahead ? localInputValue(current) : "";
  return field({
    label: "Enforce from",
    name: "enforceFrom",
    type: "datetime-local",
    hint: "Optional, in your local time, at most 180 days ahead: no one's deadline falls before it, so under Required everyone may still log in with their password until then. Empty: no schedule.",
    value,
    // A schedule set through the API may have seconds, which a minute step would refuse.
    step: value.length > 16 ? 1 : undefined,
  });
}

// "Issue a temporary access pass", on an operator's page: for an operator who lost their
// phone or security key, before resetting anything. The pass is shown once (secret.js), with
// its expiry; the operator is emailed that one was issued, but the pass itself goes from the
// administrator to them by another channel. Issuing another voids the one before.

import { mutate, operatorMutation } from "../api.js";
import { formatTime } from "../format.js";
import { announce, form, h, uid } from "../forms.js";
import { reveal, shownOnce } from "../secret.js";

const ISSUE = operatorMutation(
  "issueTemporaryAccessPass", "pass expiresAt", ", $validForMinutes: Int", ", validForMinutes: $validForMinutes",
);

/** The choices of validity, in minutes; the API takes 10 minutes to 30 days. */
export const VALIDITY = {
  60: "1 hour",
  480: "8 hours",
  1440: "1 day",
  10080: "7 days",
};

/** The form (validity, "Issue a temporary access pass") and the slot where the pass is shown. */
export function temporaryAccessPassForm(operator) {
  const slot = h("div", {});
  const selectId = uid("validity");
  const issueForm = form(
    {
      submitLabel: "Issue a temporary access pass",
      submit: async ({ validForMinutes }) => {
        const result = await mutate(ISSUE, { operatorId: operator.id, validForMinutes: Number(validForMinutes) });
        if (!result.pass) return result.userErrors;
        const until = formatTime(result.expiresAt);
        issueForm.hidden = true;
        reveal(
          slot,
          shownOnce({
            title: `Temporary access pass for ${operator.name}`,
            label: "Temporary access pass",
            secret: result.pass,
            note: `Give it to ${operator.name} yourself, by phone or in person, not by email. It works once, until ${until}; issuing another voids it.`,
            done: () => {
              slot.replaceChildren();
              issueForm.hidden = false;
              issueForm.querySelector("button[type=submit]").focus();
            },
          }),
        );
        announce(`Temporary access pass issued for ${operator.name}, valid until ${until}. Copy it now: you won't see it again.`, "info", {
          shownNearby: true,
        });
        return [];
      },
    },
    h(
      "div",
      { class: "field" },
      h("label", { for: selectId }, "Valid for"),
      h("p", { class: "field-error", "data-error-for": "validForMinutes", hidden: true }),
      h(
        "select",
        { id: selectId, name: "validForMinutes" },
        Object.entries(VALIDITY).map(([minutes, words]) => h("option", { value: minutes, selected: minutes === "60" }, words)),
      ),
    ),
  );
  return h("div", {}, issueForm, slot);
}

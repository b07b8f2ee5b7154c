// Remembered browsers ("don't ask again on this browser"): where an operator chose
// "Remember this browser" at login, so that a login there skips the second factor until it
// expires. Listed under the sessions, in "Your settings" and on an operator's page, each
// with Forget. A forgotten browser is asked for a code at its next login.

import { graphql, mutate, USER_ERRORS } from "../api.js";
import { timeElement } from "../format.js";
import { announce, h, plural, safely, uid } from "../forms.js";
import { device } from "./sessions.js";

const DEVICES = `query TrustedDevices($id: ID!) {
  node(id: $id) { ... on Operator { trustedDevices { id createdAt lastUsedAt expiresAt ipAddress userAgent } } }
}`;

const FORGET = `mutation ForgetTrustedDevice($trustedDeviceId: ID!) {
  forgetTrustedDevice(input: { trustedDeviceId: $trustedDeviceId }) { ${USER_ERRORS} }
}`;

/** The "Remembered browsers" part of a page, for `operatorId` (`self`: the viewer). */
export async function trustedDevicesSection({ operatorId, self, name }) {
  const titleId = uid("devices");
  const count = h("p", { class: "count", tabIndex: -1 });
  const list = h("ul", { class: "sessions", "aria-labelledby": titleId });

  const load = async () => {
    const devices = (await graphql(DEVICES, { id: operatorId })).node?.trustedDevices ?? [];
    count.textContent = devices.length ? `${plural(devices.length, "remembered browser")}.` : "No remembered browsers.";
    list.replaceChildren(...devices.map(item));
    list.hidden = devices.length === 0;
  };

  const forget = async (trusted) => {
    const result = await mutate(FORGET, { trustedDeviceId: trusted.id });
    const [error] = result.userErrors;
    if (error && error.code !== "NOT_FOUND") {
      announce(error.message, "error");
      return;
    }
    await load();
    count.focus();
    announce(error ? "That browser was forgotten already." : "Browser forgotten: it is asked for a code at its next login.");
  };

  const item = (trusted) => {
    const labelId = uid("device");
    const label = device(trusted.userAgent);
    return h(
      "li",
      {},
      h("p", { class: "device" }, h("strong", { id: labelId }, label)),
      trusted.userAgent && trusted.userAgent !== label && h("p", { class: "hint user-agent" }, trusted.userAgent),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Address"),
        h("dd", {}, trusted.ipAddress ?? "unknown"),
        h("dt", {}, "Remembered"),
        h("dd", {}, timeElement(trusted.createdAt)),
        h("dt", {}, "Last used"),
        h("dd", {}, trusted.lastUsedAt ? timeElement(trusted.lastUsedAt) : "Never"),
        h("dt", {}, "Expires"),
        h("dd", {}, timeElement(trusted.expiresAt)),
      ),
      h("button", { type: "button", "aria-describedby": labelId, onclick: safely(() => forget(trusted)) }, "Forget"),
    );
  };

  await load();
  return h(
    "div",
    {},
    h("h2", { id: titleId }, "Remembered browsers"),
    h(
      "p",
      {},
      self
        ? "Browsers where you chose “Remember this browser”: logging in there asks for your password only. Forget any you do not use any more."
        : `Browsers where ${name} chose “Remember this browser”: logging in there asks for the password only.`,
    ),
    count,
    list,
  );
}

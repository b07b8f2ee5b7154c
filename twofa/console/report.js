// "Download report": the account's two-factor compliance report as a CSV file.
//
// GET /reports/two-factor-compliance.csv authenticates as /graphql does, with
// `Authorization: Bearer <session token>`. A plain link cannot send that header (the token
// is in sessionStorage, never in a cookie), so the console fetches the file itself, makes a
// Blob URL of it and clicks a hidden <a download> with the name the server gave. The whole
// file is held in memory meanwhile: about 150 bytes per operator.
// A refusal (401, 403, 429, 503…) carries a GraphQL-shaped error, shown below the button.

import { session } from "./api.js";
import { announce, h } from "./forms.js";

const REPORT_URL = "/reports/two-factor-compliance.csv";
const FALLBACK_NAME = "two-factor-compliance.csv";

/** The button and, below it, the reason a download failed. */
export function reportDownload() {
  const problem = h("p", { class: "form-error", id: "report-problem", hidden: true });
  const button = h("button", { type: "button", "aria-describedby": "report-hint report-problem" }, "Download report");
  const showProblem = (message) => {
    problem.textContent = message;
    problem.hidden = !message;
    if (message) announce(message, "error", { shownNearby: true });
  };
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-disabled")) return;
    button.setAttribute("aria-disabled", "true");
    showProblem("");
    try {
      const { blob, name } = await fetchReport();
      save(blob, name);
      announce(`The report is downloaded as ${name}.`);
    } catch (error) {
      if (!(error instanceof ReportError)) throw error;
      showProblem(error.message);
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
  return h(
    "div",
    {},
    h("p", { class: "hint", id: "report-hint" }, "A CSV file with one row per operator: role, status, mode, compliance, deadline and last login."),
    h("div", { class: "actions" }, button),
    problem,
  );
}

class ReportError extends Error {}

async function fetchReport() {
  let response;
  try {
    response = await fetch(REPORT_URL, { headers: { Authorization: `Bearer ${session.token}`, Accept: "text/csv" } });
  } catch {
    throw new ReportError("The server could not be reached. Check your connection and try again.");
  }
  if (!response.ok) throw new ReportError(await refusal(response));
  try {
    return { blob: await response.blob(), name: filename(response) };
  } catch {
    // The server cut the transfer short: never save a report that only looks whole.
    throw new ReportError("The report was cut off while downloading. Try again.");
  }
}

/** Why the server refused: its error's message, or words for the status. */
async function refusal(response) {
  let message;
  try {
    message = (await response.json()).errors?.[0]?.message;
  } catch {
    // not the JSON refusal: the status says it
  }
  const words = {
    401: "Your session has ended: log in again.",
    403: "Only administrators may download it.",
    404: "This server does not offer it.",
  };
  return `The report could not be downloaded. ${message ?? words[response.status] ?? `The server answered ${response.status}: try again later.`}`;
}

/** The name in Content-Disposition (filename="two-factor-compliance-2026-03-02.csv"). */
function filename(response) {
  const found = /filename="([^"\/\\]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  return found ? found[1] : FALLBACK_NAME;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url));
}

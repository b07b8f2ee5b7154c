// How the console writes instants: one format on every page, in the browser's time zone
// and language, e.g. "2 March 2026 at 14:32:05". The long month reads the same everywhere,
// where "02/03/2026" means February to some and March to others; the seconds matter for a
// lock of 30 seconds and for audit events a moment apart.
//
// Every instant on a page is a <time> element carrying the exact ISO value, so that the
// words can stay short and assistive technology or a test can still read the instant.
// A date-time input ("Enforce from") is typed in the browser's local time as well.

const FORMAT = new Intl.DateTimeFormat([], { dateStyle: "long", timeStyle: "medium" });

/** An ISO 8601 instant from the API, in words: "2 March 2026 at 14:32:05". */
export function formatTime(iso) {
  return FORMAT.format(new Date(iso));
}

/** A <time> element for `iso`, its text written by formatTime. */
export function timeElement(iso) {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.textContent = formatTime(iso);
  return element;
}

/** An instant as the value of an <input type="datetime-local">, in the browser's time zone. */
export function localInputValue(iso) {
  const at = new Date(iso);
  const pad = (number) => String(number).padStart(2, "0");
  const seconds = at.getSeconds() ? `:${pad(at.getSeconds())}` : "";
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}${seconds}`;
}

/** The instant a datetime-local value means in the browser's time zone, as ISO 8601 (UTC). */
export function fromLocalInput(value) {
  return new Date(value).toISOString();
}

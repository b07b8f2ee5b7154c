// Runs graphql-http's server audit against the URL given as the first argument.
// Prints every audit; exits 1 on a MUST failure (SHOULD warnings are printed, not fatal).
import { auditServer } from "graphql-http";

const url = process.argv[2];
const results = await auditServer({ url });
let mustFailures = 0;
let warnings = 0;
for (const result of results) {
  const line = `${result.status.toUpperCase().padEnd(7)} ${result.name}`;
  if (result.status === "ok") {
    console.log(line);
    continue;
  }
  console.log(`${line}\n        ${result.reason}`);
  if (result.name.startsWith("MUST")) mustFailures += 1;
  else warnings += 1;
}
console.log(`\n${results.length} audits: ${mustFailures} MUST failures, ${warnings} other warnings/errors`);
process.exit(mustFailures > 0 ? 1 : 0);

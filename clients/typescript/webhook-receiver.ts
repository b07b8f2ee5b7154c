// Receives twofa's webhooks: `node webhook-receiver.js PORT` with TWOFA_WEBHOOK_SECRET set.
import { createServer } from "node:http";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

const webhook = new Webhook(process.env["TWOFA_WEBHOOK_SECRET"] ?? ""); // whsec_..., shown once
type Event = { type: string; timestamp: string; data: { operator?: { id: string } } };

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const header = (name: string): string => String(request.headers[name] ?? "");
    let event: Event;
    try {
      event = webhook.verify(Buffer.concat(chunks), {
        "webhook-id": header("webhook-id"),
        "webhook-timestamp": header("webhook-timestamp"),
        "webhook-signature": header("webhook-signature"),
      }) as Event;
    } catch (error) {
      response.writeHead(error instanceof WebhookVerificationError ? 400 : 500).end();
      return;
    }
    response.writeHead(204).end(); // answer first, then work: a retry has the same webhook-id
    console.log(header("webhook-id"), event.type, event.data.operator?.id);
  });
}).listen(Number(process.argv[2]), "127.0.0.1");

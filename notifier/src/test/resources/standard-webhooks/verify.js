// Verifies recorded webhook requests with the Standard Webhooks reference library (the npm
// package standardwebhooks), as a receiver written in JavaScript would: new Webhook(secret) and
// verify(rawBody, headers) for each. Run by StandardWebhooksReferenceTest.
//
// Usage: WEBHOOK_SECRET=whsec_... NODE_PATH=DIR/node_modules node verify.js REQUESTS.jsonl
// Each line of REQUESTS.jsonl: {"id": ..., "timestamp": ..., "signature": ..., "body": base64 of the raw body}.
// Prints one line per request, "N verified ID" (ID: the "id" of the JSON that verify returned) or
// "N rejected: REASON", then "V verified, R rejected".
'use strict';
const fs = require('fs');
const { Webhook } = require('standardwebhooks');

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((line) => line.length > 0);
let verified = 0;
let rejected = 0;
lines.forEach((line, i) => {
  const request = JSON.parse(line);
  const headers = {
    'webhook-id': request.id,
    'webhook-timestamp': request.timestamp,
    'webhook-signature': request.signature,
  };
  try {
    const payload = webhook.verify(Buffer.from(request.body, 'base64'), headers);
    console.log(`${i} verified ${payload.id}`);
    verified++;
  } catch (e) {
    console.log(`${i} rejected: ${e.message}`);
    rejected++;
  }
});
console.log(`${verified} verified, ${rejected} rejected`);

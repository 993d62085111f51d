// Streams a raw s16le 16 kHz file to Parley's /v1/listen with the npm @deepgram/sdk (pinned in
// package.json), as an application would, but for the URL. Prints every message received as one
// JSON line; an SDK error as {"type": "Error", ...}. Run by tests/test_deepgram.py.
// Environment: DEEPGRAM_TEST_URL (http://host:port), DEEPGRAM_TEST_KEY.
import { readFileSync } from "node:fs";
import { DeepgramClient } from "@deepgram/sdk";

const CHUNK = 3200; // 100 ms of 16 kHz s16le
const http = process.env.DEEPGRAM_TEST_URL;
const ws = http.replace("http://", "ws://");
const audio = readFileSync(process.argv[2]);
const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const client = new DeepgramClient({
  apiKey: process.env.DEEPGRAM_TEST_KEY,
  environment: { base: http, production: ws, agent: ws },
});
const connection = await client.listen.v1.connect({
  model: "nova-3",
  language: "en-US",
  encoding: "linear16",
  sample_rate: 16000,
  channels: 1,
  interim_results: "true",
  diarize: "true",
  punctuate: "true",
  smart_format: "true",
  vad_events: "true",
  utterance_end_ms: 1000,
  reconnectAttempts: 0,
});
let finalized;
const gotFinalize = new Promise((resolve) => (finalized = resolve));
let closed;
const gotClose = new Promise((resolve) => (closed = resolve));
connection.on("message", (data) => {
  print(data);
  if (data.from_finalize) finalized();
});
connection.on("error", (error) => print({ type: "Error", error: String(error) }));
connection.on("close", (event) => closed(event));
connection.connect();
await connection.waitForOpen();
const started = Date.now();
for (let index = 0, offset = 0; offset < audio.length; index++, offset += CHUNK) {
  connection.sendMedia(audio.subarray(offset, offset + CHUNK));
  await sleep(started + (index + 1) * 100 - Date.now());
}
connection.sendFinalize({ type: "Finalize" });
const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms));
await Promise.race([gotFinalize, timeout(30000, "from_finalize Results")]);
connection.sendCloseStream({ type: "CloseStream" });
const event = await Promise.race([gotClose, timeout(10000, "close")]);
process.stderr.write(`closed: ${event.code} ${event.reason}\n`);
connection.close();
process.exit(0);

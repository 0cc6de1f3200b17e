// One graphql-transport-ws subscription through graphql-ws, the protocol's reference client.
//
//   node subscribe.mjs <ws-url> <query> [variables-json] [connection-params-json]
//
// Prints one JSON line per event: {"t": <epoch ms, sub-ms precision>, "kind": "connected" |
// "next" | "error" | "complete", "payload": ...}. Closing its stdin disconnects it (that is
// how tests/live drops a subscriber); it also exits when the subscription ends.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, query, variables = '{}', connectionParams = '{}'] = process.argv.slice(2);

const now = () => performance.timeOrigin + performance.now();
const emit = (kind, payload = null) =>
  process.stdout.write(JSON.stringify({ t: now(), kind, payload }) + '\n');

const describe = (error) => {
  if (Array.isArray(error)) return error; // GraphQL errors of an `error` message
  if (error && typeof error.code === 'number') return { code: error.code, reason: error.reason };
  return { message: String(error) };
};

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: JSON.parse(connectionParams),
  retryAttempts: 0,
  on: { connected: () => emit('connected') },
});

let finished = false;
const finish = async (code) => {
  if (finished) return;
  finished = true;
  unsubscribe();
  await client.dispose();
  process.exit(code);
};

const unsubscribe = client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (result) => emit('next', result),
    error: (error) => { emit('error', describe(error)); finish(1); },
    complete: () => { emit('complete'); finish(0); },
  },
);

process.stdin.on('end', () => finish(0));
process.stdin.resume();

/**
 * The localnet fault rules the fault trials inject (docs/faults.md has the format). Each profile
 * is set with `POST /localnet/faults` once the batch is queued and cleared before the checks, so
 * planning and `verify` see a healthy network and the upload sees the faults. `kills` adds
 * worker kills on top, as in the SIGKILL trials.
 */
'use strict';

/** @type {Record<string, { label: string, rules: object[], kills?: [number, number] }>} */
const FAULT_PROFILES = {
  429: {
    label: '429 with Retry-After: 1 on every 3rd Shelby RPC request',
    rules: [{ route: 'rpc.*', action: '429', every: 3, retryAfter: 1 }],
  },
  '5xx': {
    label: '503 on every 6th fullnode and indexer request, 500 on every 4th part upload',
    rules: [
      { route: ['fullnode.*', 'indexer.*'], action: 'status', status: 503, every: 6 },
      { route: 'rpc.putPart', action: 'status', status: 500, every: 4 },
    ],
  },
  'stored-then-500': {
    label: 'every 2nd multipart complete stores the blob, then answers 500',
    rules: [{ route: 'rpc.complete', action: 'stored-then-500', every: 2 }],
  },
  pending: {
    label: 'every 3rd transaction lands 5 s late; the 2nd lands after 30 s, past its wait',
    rules: [
      { route: 'fullnode.submit', action: 'pending', ms: 30_000, after: 1, count: 1 },
      { route: 'fullnode.submit', action: 'pending', ms: 5_000, every: 3 },
    ],
  },
  cut: {
    label: 'connection cut during every 5th part upload and after every 3rd transaction submission',
    rules: [
      { route: 'rpc.putPart', action: 'cut', during: 'request', every: 5 },
      { route: 'fullnode.submit', action: 'cut', during: 'response', every: 3 },
    ],
  },
  'sequence-conflict': {
    label: 'every 2nd transaction refused as a sequence-number conflict',
    rules: [{ route: 'fullnode.submit', action: 'sequence-conflict', every: 2 }],
  },
  latency: {
    label: '+250 ms on every request',
    rules: [{ route: '*', action: 'latency', ms: 250 }],
  },
  mixed: {
    label: 'all of the above at lower rates (seeded draws), plus 1–2 worker kills',
    kills: [1, 2],
    rules: [
      { route: '*', action: 'latency', ms: 40 },
      { route: 'rpc.*', action: '429', p: 0.1, seed: 1, retryAfter: 1 },
      { route: ['fullnode.*', 'indexer.*'], action: 'status', status: 503, p: 0.05, seed: 2 },
      { route: 'rpc.complete', action: 'stored-then-500', p: 0.2, seed: 3 },
      { route: 'rpc.putPart', action: 'cut', during: 'request', p: 0.05, seed: 4 },
      { route: 'fullnode.submit', action: 'cut', during: 'response', p: 0.2, seed: 5 },
      { route: 'fullnode.submit', action: 'pending', ms: 4_000, p: 0.3, seed: 6 },
      { route: 'fullnode.submit', action: 'sequence-conflict', p: 0.2, seed: 7 },
    ],
  },
};

module.exports = { FAULT_PROFILES };

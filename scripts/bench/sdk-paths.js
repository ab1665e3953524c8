/**
 * The Shelby SDK alone, as a user without shelby-batch would drive it; run in a fresh process per
 * measurement so its peak RSS is its own.
 *
 *   node scripts/bench/sdk-paths.js <spec.json>
 *
 * spec: { mode: 'sequential' | 'batch', dir, files: [rel], prefix, localnetUrl, configPath,
 * accountId, batchSize }. `sequential` does what Shelby's upload example does, once per file and
 * one file after another: `readFileSync`, then `client.upload`. `batch` hands `batchSize` files at
 * a time to `client.batchUpload`. One demo account pays. Prints one JSON line: the outcome, with
 * the seconds spent and the process's peak RSS; progress lines go to stderr.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');

/** Blobs expire after 30 days, like shelby-batch's default. */
const TIME_TO_LIVE_MICROS = 30 * 24 * 3600 * 1_000_000;

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const started = process.hrtime.bigint();
  const aptos = await import('@aptos-labs/ts-sdk');
  const { ShelbyNodeClient } = await import('@shelby-protocol/sdk/node');
  const config = parse(fs.readFileSync(spec.configPath, 'utf8'));
  const account = config.accounts.find((a) => a.id === spec.accountId);
  const signer = aptos.Account.fromPrivateKey({
    privateKey: new aptos.Ed25519PrivateKey(account.privateKey),
  });
  const url = spec.localnetUrl;
  const client = new ShelbyNodeClient({
    network: aptos.Network.LOCAL,
    aptos: { fullnode: `${url}/v1`, indexer: `${url}/v1/graphql` },
    indexer: { baseUrl: `${url}/shelby-indexer/v1/graphql` },
    rpc: { baseUrl: `${url}/shelby` },
  });
  const setupSeconds = seconds(started);

  let uploaded = 0;
  let bytes = 0;
  let error;
  /** The SDK or file call under way, named in the error when one fails. */
  let step = 'start';
  const workStarted = process.hrtime.bigint();
  try {
    if (spec.mode === 'sequential') {
      for (const rel of spec.files) {
        step = `readFileSync(${rel})`;
        const blobData = fs.readFileSync(path.join(spec.dir, rel));
        step = `client.upload(${rel})`;
        await client.upload({
          blobData,
          signer,
          blobName: spec.prefix + rel,
          expirationMicros: Date.now() * 1000 + TIME_TO_LIVE_MICROS,
        });
        uploaded++;
        bytes += blobData.length;
        progress(uploaded, spec.files.length);
      }
    } else if (spec.mode === 'batch') {
      for (let i = 0; i < spec.files.length; i += spec.batchSize) {
        const chunk = spec.files.slice(i, i + spec.batchSize);
        step = `readFileSync of files ${i + 1}–${i + chunk.length}`;
        const blobs = chunk.map((rel) => ({
          blobName: spec.prefix + rel,
          blobData: fs.readFileSync(path.join(spec.dir, rel)),
        }));
        step = `client.batchUpload of files ${i + 1}–${i + chunk.length}`;
        await client.batchUpload({
          blobs,
          signer,
          expirationMicros: Date.now() * 1000 + TIME_TO_LIVE_MICROS,
        });
        uploaded += blobs.length;
        bytes += blobs.reduce((sum, b) => sum + b.blobData.length, 0);
        progress(uploaded, spec.files.length);
      }
    } else {
      throw new Error(`unknown mode ${spec.mode}: use sequential or batch`);
    }
  } catch (caught) {
    error = `${step}: ${caught.code ? `${caught.code}: ` : ''}${caught.message ?? String(caught)}`;
  }
  process.stdout.write(
    JSON.stringify({
      ok: error === undefined,
      files: spec.files.length,
      uploaded,
      bytes,
      setupSeconds,
      workSeconds: seconds(workStarted),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      error,
    }) + '\n',
  );
}

let lastProgress = 0;

/** A progress line for the benchmark's log, at most every 30 s. */
function progress(done, total) {
  if (done < total && Date.now() - lastProgress < 30_000) return;
  lastProgress = Date.now();
  process.stderr.write(`progress ${done}/${total} files\n`);
}

function seconds(since) {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

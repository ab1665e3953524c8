import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { assembleBlobCommitments } from './blob-commitments';
import { ChunksetCommitter } from './chunkset-committer';
import { byteChunksets } from './chunkset-reader';
import { compileClayWasm } from './clay-encoder';
import { ReferenceCache } from './reference-cache';
import { loadShelbySdk } from './sdk';
import { selfCheck, type SelfCheckResult } from './self-check';

/** What the check needs to know. */
export interface CheckRequest {
  cacheDir: string;
  wasmSha256: string;
  /** The clay.wasm the SDK loads (see identifyClayWasm). */
  wasmPath: string;
  /** The SDK's COMMITMENT_SCHEMA_VERSION, as the engine writes it. */
  schemaVersion: string;
}

/** What the check found. */
export interface CheckOutcome {
  selfCheck: SelfCheckResult;
  /** Why the response table could not be derived, if it could not. */
  tableError?: string;
}

type CheckAnswer = CheckOutcome | { error: string };

/**
 * Runs the start-up self-check (see selfCheck) in a short-lived child process: it derives and
 * caches the response table when missing, gets the SDK's answers (from the reference cache, or
 * from the SDK when missing) and commits the probes on every fast path, with the same code and
 * the same cached table the pool's threads then use. Everything the check loads (a Clay encoder
 * and its machine code, about 100 MiB; the SDK and its provider on a first run, 200 MiB more) is
 * given back when the process exits, so a worker that only meets small or sparse files never
 * holds an encoder at all.
 */
export async function selfCheckInChildProcess(request: CheckRequest): Promise<CheckOutcome> {
  const script = join(__dirname, 'check-process.js');
  if (!existsSync(script)) {
    throw new Error(`The commitments check ${script} is missing; run "npm run build" first.`);
  }
  // The parent's flags (an inspector port, say) are not for this helper.
  const child = fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
  try {
    return await new Promise<CheckOutcome>((resolve, reject) => {
      child.once('message', (answer: CheckAnswer) => {
        if ('error' in answer)
          reject(new Error(`The commitments self-check failed: ${answer.error}`));
        else resolve(answer);
      });
      child.once('error', reject);
      child.once('exit', (code) =>
        reject(new Error(`The commitments self-check exited (code ${code}): ${stderr.trim()}`)),
      );
      child.send(request);
    });
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

async function check(request: CheckRequest): Promise<CheckAnswer> {
  try {
    const committer = await ChunksetCommitter.create({
      cacheDir: request.cacheDir,
      wasmSha256: request.wasmSha256,
      clayModule: await compileClayWasm(request.wasmPath),
    });
    const references = new ReferenceCache(request.cacheDir, request.wasmSha256);
    const result = await selfCheck(
      async (data, path) => {
        const entries = [];
        for (const chunkset of byteChunksets(data))
          entries.push(await committer.commit(chunkset, path));
        return (
          await assembleBlobCommitments(entries, data.byteLength, path, request.schemaVersion)
        ).commitments;
      },
      (blobs) => references.getAll(blobs, sdkCommitments),
    );
    return { selfCheck: result, tableError: committer.tableError };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The SDK's own generateCommitments of each blob, with the SDK's own provider. */
async function sdkCommitments(blobs: Uint8Array[]): Promise<unknown[]> {
  const sdk = await loadShelbySdk();
  const provider = await sdk.ClayErasureCodingProvider.create();
  const results: unknown[] = [];
  for (const blob of blobs) results.push(await sdk.generateCommitments(provider, blob));
  return results;
}

// Run as the child process: one request, one answer, then exit.
if (require.main === module && process.send !== undefined) {
  process.once('message', (request: CheckRequest) => {
    void check(request).then((answer) => process.send!(answer, () => process.disconnect()));
  });
}

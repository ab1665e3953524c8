import { createHash } from 'node:crypto';

import { blobAbortStatus, EXECUTED, type BlobAbort } from './aptos-errors';
import { expectedChunksets, MAX_BLOB_NAME_LENGTH } from './constants';
import type { BlobRecord } from './ledger';
import type { MoveJson } from './move-args';
import { gasForBlobs, storageCost, type LocalnetPricing } from './pricing';

/**
 * What `blob_metadata::register_blob` and `register_multiple_blobs` do on the localnet. The whole
 * call is atomic like a Move transaction: one bad or already-registered blob aborts all of them.
 */

/** Where the localnet says every blob is stored; real networks assign slices per blob. */
export const LOCALNET_SLICE_ADDRESS = `0x${createHash('sha3-256').update('shelby-batch localnet slice').digest('hex')}`;

/** What the ledger must tell the registration about the sender and existing blobs. */
export interface RegistrationContext {
  sender: string;
  shelbyusd: bigint;
  nowMicros: number;
  findBlob(owner: string, name: string): BlobRecord | undefined;
  pricing: LocalnetPricing;
  maxGasAmount: bigint;
  txHash: string;
  version: number;
}

/** Outcome of executing a registration, applied whether it succeeded or aborted. */
export interface RegistrationOutcome {
  success: boolean;
  vmStatus: string;
  gasUsed: bigint;
  storageFee: bigint;
  blobNames: string[];
  blobs: BlobRecord[];
}

interface BlobInput {
  name: string;
  root: string;
  numChunksets: number;
  size: number;
}

class Abort extends Error {
  constructor(
    readonly abort: BlobAbort,
    description: string,
  ) {
    super(description);
  }
}

function toSafeNumber(value: MoveJson, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Abort('E_INVALID_ARGUMENT', `${what} ${String(value)} is out of range`);
  }
  return n;
}

/** Splits decoded arguments into per-blob inputs; `multiple` selects the vector variant. */
function blobInputs(args: MoveJson[], multiple: boolean): BlobInput[] {
  const [names, , roots, chunksets, sizes] = args;
  if (!multiple) {
    return [
      {
        name: String(names),
        root: String(roots),
        numChunksets: toSafeNumber(chunksets, 'chunkset count'),
        size: toSafeNumber(sizes, 'blob size'),
      },
    ];
  }
  const lists = [names, roots, chunksets, sizes] as MoveJson[][];
  if (new Set(lists.map((list) => list.length)).size !== 1) {
    throw new Abort(
      'E_INVALID_ARGUMENT',
      'names, merkle roots, chunkset counts and sizes must have the same length',
    );
  }
  return lists[0].map((name, i) => ({
    name: String(name),
    root: String(lists[1][i]),
    numChunksets: toSafeNumber(lists[2][i], 'chunkset count'),
    size: toSafeNumber(lists[3][i], 'blob size'),
  }));
}

function checkBlob(
  blob: BlobInput,
  expirationMicros: number,
  ctx: RegistrationContext,
  seen: Set<string>,
): void {
  if (blob.name.length === 0) throw new Abort('E_INVALID_ARGUMENT', 'blob name is empty');
  if (blob.name.length > MAX_BLOB_NAME_LENGTH) {
    throw new Abort(
      'E_BLOB_NAME_TOO_LONG',
      `blob name has ${blob.name.length} characters, the limit is ${MAX_BLOB_NAME_LENGTH}`,
    );
  }
  if (!/^0x[0-9a-f]{64}$/.test(blob.root)) {
    throw new Abort('E_INVALID_ARGUMENT', `merkle root of ${blob.name} is not 32 bytes`);
  }
  if (blob.numChunksets !== expectedChunksets(blob.size)) {
    throw new Abort(
      'E_INVALID_CHUNKSET_COUNT',
      `${blob.name} has ${blob.size} bytes, so ${expectedChunksets(blob.size)} chunksets, not ${blob.numChunksets}`,
    );
  }
  if (expirationMicros <= ctx.nowMicros) {
    throw new Abort('E_INVALID_EXPIRATION_TIME', 'expiration time is not in the future');
  }
  const existing = ctx.findBlob(ctx.sender, blob.name);
  if (seen.has(blob.name) || (existing && existing.expirationMicros > ctx.nowMicros)) {
    throw new Abort('EALREADY_EXISTS', `blob ${blob.name} already exists for this owner`);
  }
  seen.add(blob.name);
}

/** Executes a registration with arguments decoded against the ABI. */
export function executeRegistration(
  args: MoveJson[],
  multiple: boolean,
  ctx: RegistrationContext,
): RegistrationOutcome {
  let blobNames: string[] = [];
  let gasUsed = gasForBlobs(ctx.pricing, 1);
  try {
    const inputs = blobInputs(args, multiple);
    blobNames = inputs.map((b) => b.name);
    gasUsed = gasForBlobs(ctx.pricing, inputs.length);
    if (gasUsed > ctx.maxGasAmount) {
      return {
        success: false,
        vmStatus: 'Out of gas',
        gasUsed: ctx.maxGasAmount,
        storageFee: 0n,
        blobNames,
        blobs: [],
      };
    }
    const expirationMicros = toSafeNumber(args[1], 'expiration');
    if (Number(args[6]) !== 0) {
      throw new Abort('E_TEST_ENCODING_NOT_ALLOWED', `encoding ${String(args[6])} is not Clay`);
    }
    const seen = new Set<string>();
    for (const blob of inputs) checkBlob(blob, expirationMicros, ctx, seen);
    const storageFee = inputs.reduce((sum, b) => sum + storageCost(ctx.pricing, b.size), 0n);
    if (storageFee > ctx.shelbyusd) {
      throw new Abort(
        'E_INSUFFICIENT_FUNDS',
        `storage costs ${storageFee} ShelbyUSD units but the account holds ${ctx.shelbyusd}`,
      );
    }
    const blobs: BlobRecord[] = inputs.map((b) => ({
      owner: ctx.sender,
      name: b.name,
      root: b.root,
      size: b.size,
      numChunksets: b.numChunksets,
      encoding: Number(args[6]),
      paymentTier: Number(args[5]),
      expirationMicros,
      creationMicros: ctx.nowMicros,
      txHash: ctx.txHash,
      version: ctx.version,
      isWritten: false,
    }));
    return { success: true, vmStatus: EXECUTED, gasUsed, storageFee, blobNames, blobs };
  } catch (error) {
    if (!(error instanceof Abort)) throw error;
    return {
      success: false,
      vmStatus: blobAbortStatus(error.abort, error.message),
      gasUsed,
      storageFee: 0n,
      blobNames,
      blobs: [],
    };
  }
}

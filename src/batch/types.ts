/**
 * Types shared by the batch workflow, its activities and the CLI.
 *
 * Everything here travels through Temporal, so it carries account ids and file indexes,
 * never private keys, and never a whole file list.
 */
import type { StrategyName, StrategyState } from '../accounts/select';

/** What a user asked for when starting a batch. */
export interface BatchRequest {
  batchId: string;
  /** Absolute source paths (files or folders) as given on the command line. */
  sources: string[];
  prefix: string;
  strategy: StrategyName;
  /** Account ids and weights from the config; keys stay with the workers. */
  accounts: { id: string; weight: number }[];
  network: string;
  /** Absolute expiry; 0 for scheduled runs, which use `expiresInMs` from their start. */
  expirationMicros: number;
  expiresInMs?: number;
  /** Upload groups in flight at once. */
  maxParallel: number;
  /** Retries of an upload group after its first attempt. */
  maxRetries: number;
  followSymlinks: boolean;
  /** When set, the batch re-uploads the failed files of that earlier batch instead of walking sources. */
  retryOf?: string;
  /** Upload groups per continue-as-new run; `SHELBY_BATCH_GROUPS_PER_RUN` lowers it for tests. */
  groupsPerRun?: number;
}

/** Counters kept by the workflow and shown by `status`. */
export interface BatchCounters {
  files: number;
  skipped: number;
  uploaded: number;
  failed: number;
  inFlight: number;
  bytesTotal: number;
  bytesDone: number;
  /** Blobs this batch paid to register (the rest were already on chain). */
  registered: number;
}

export type BatchPhase = 'planning' | 'uploading' | 'reporting' | 'completed' | 'failed';

/** Answer of the `progress` query. */
export interface BatchProgress extends BatchCounters {
  batchId: string;
  phase: BatchPhase;
  pending: number;
  paused: boolean;
  pauseReason?: string;
  /** Accounts taken out of the pool, with the reason. */
  unavailableAccounts: { id: string; reason: string }[];
  /** Files in flight per account id. */
  inFlightByAccount: Record<string, number>;
}

/** State carried across continue-as-new. */
export interface BatchCarry {
  counters: BatchCounters;
  /** Index of the first manifest entry not yet handed to an upload. */
  cursor: number;
  pages: number;
  pageSize: number;
  /** Small files per upload group (see `groupFileLimit`); absent in batches planned before it. */
  groupFiles?: number;
  /** Files sent back for another account (its account ran dry). */
  requeued: FileRef[];
  strategyState: StrategyState;
  unavailableAccounts: { id: string; reason: string }[];
  paused: boolean;
  runs: number;
  /** Last balances read, less what was handed out since (for token-aware). */
  accountState?: AccountState;
}

export interface BatchInput {
  request: BatchRequest;
  carry?: BatchCarry;
}

/** A manifest entry as the workflow sees it: index and size only. */
export interface FileRef {
  index: number;
  size: number;
}

export interface UploadGroupInput {
  batchId: string;
  accountId: string;
  network: string;
  files: FileRef[];
  expirationMicros: number;
}

export interface UploadGroupResult {
  uploaded: number;
  failed: number;
  registered: number;
  bytes: number;
  /** Files not attempted because the account ran out of funds; the workflow re-routes them. */
  requeue: FileRef[];
  /** Set when the account could not pay; the workflow takes it out of the pool. */
  accountExhausted?: string;
}

/** Live state of a batch's accounts, read through an activity. */
export interface AccountState {
  accounts: { id: string; apt: string; shelbyusd: string; load: number }[];
  /** The network's prices, when known; the workflow uses them to spread cost between refreshes. */
  pricing?: {
    gasUnitPrice: number;
    gasPerTransaction: number;
    gasPerBlob: number;
    storagePerBlob: number;
    storagePerMiB: number;
  };
}

/** Final summary returned by the batch workflow. */
export interface BatchSummary extends BatchCounters {
  batchId: string;
  phase: BatchPhase;
  reportPath: string;
}

export type FileStatus = 'uploaded' | 'failed' | 'skipped';

/** One line of the per-file report. */
export interface FileResult {
  index: number;
  status: FileStatus;
  path: string;
  name: string;
  size: number;
  account?: string;
  merkleRoot?: string;
  txHash?: string;
  /** True when this batch paid for the registration. */
  registered?: boolean;
  /** True when this batch sent the bytes. */
  written?: boolean;
  attempts?: number;
  error?: { type: string; message: string };
  at?: string;
}

/** Failure types an upload raises; retry policies and users act on them. */
export const NON_RETRYABLE_ERRORS = [
  'InsufficientBalance',
  'AccountUnknown',
  'BlobNameInvalid',
  'ManifestMissing',
  'SourceNotFound',
  'InvalidPrefix',
  'ConfigError',
] as const;

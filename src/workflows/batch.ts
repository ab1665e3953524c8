import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatchActivities } from '../activities';
import type {
  BatchCarry,
  BatchCounters,
  BatchInput,
  BatchPhase,
  BatchSummary,
  FileRef,
  UploadGroupResult,
} from '../batch/types';
import { NON_RETRYABLE_ERRORS } from '../batch/types';
import { selectAccount } from '../accounts/select';
import { groupFileLimit, takeGroup } from '../batch/grouping';
import { resolveRequest } from '../batch/scheduled';
import { BATCH_FILES_DONE, BATCH_NETWORK, BATCH_STATUS } from '../temporal/search-attributes';

import { pauseSignal, progressQuery, resumeSignal } from './messages';

/** Marks the runs that size upload groups to the number of accounts. */
const GROUP_FILES_PATCH = 'group-files-per-account';

/** Groups per run before continuing as new: about six events each keeps a run near 2,000 events. */
const GROUPS_PER_RUN = 300;
/** How often a batch paused for lack of funds looks at the balances again. */
const FUNDS_POLL = '2 minutes';

const { plan, readPage, recordFailures, finishReport, checkAccounts } =
  proxyActivities<BatchActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '1s',
      maximumInterval: '30s',
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
    },
  });

/**
 * One batch: plan the sources into a manifest on disk, then upload it group by group in a
 * sliding window, continuing as new long before the history grows large, and end with a report.
 */
export async function batchWorkflow(input: BatchInput): Promise<BatchSummary> {
  try {
    return await runBatch(input);
  } catch (error) {
    // The status column of `status` and the Web UI's filter should say so, not "uploading".
    if (isCancellation(error)) upsertSearchAttributes([{ key: BATCH_STATUS, value: 'cancelled' }]);
    throw error;
  }
}

async function runBatch(input: BatchInput): Promise<BatchSummary> {
  // A scheduled run learns its id, dated prefix and expiry when it starts.
  const request = input.carry
    ? input.request
    : resolveRequest(input.request, { workflowId: workflowInfo().workflowId, nowMs: Date.now() });
  const { uploadGroup } = proxyActivities<BatchActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '20 seconds',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: request.maxRetries + 1,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
    },
  });

  // State
  let phase: BatchPhase = input.carry ? 'uploading' : 'planning';
  let carry: BatchCarry | undefined = input.carry;
  let pauseReason: string | undefined;
  let buffer: FileRef[] = [];
  const inFlightByAccount = new Map<string, number>();
  /** Files in flight per account in other batches and workers, as of the last refresh. */
  const otherLoad = new Map<string, number>();

  const counters = (): BatchCounters =>
    carry?.counters ?? {
      files: 0,
      skipped: 0,
      uploaded: 0,
      failed: 0,
      inFlight: 0,
      bytesTotal: 0,
      bytesDone: 0,
      registered: 0,
    };

  // Handlers
  setHandler(progressQuery, () => {
    const c = counters();
    return {
      ...c,
      batchId: request.batchId,
      phase,
      pending: Math.max(0, c.files - c.skipped - c.uploaded - c.failed - c.inFlight),
      paused: carry?.paused ?? false,
      pauseReason,
      unavailableAccounts: carry?.unavailableAccounts ?? [],
      inFlightByAccount: Object.fromEntries(inFlightByAccount),
    };
  });
  setHandler(pauseSignal, (options) => {
    if (!carry) return;
    carry.paused = true;
    pauseReason = options?.reason ?? 'paused by a user';
    setStatus('paused');
  });
  setHandler(resumeSignal, () => {
    if (!carry) return;
    carry.paused = false;
    pauseReason = undefined;
    carry.unavailableAccounts = [];
    setStatus('uploading');
  });

  // Plan, once per batch
  if (!carry) {
    setStatus('planning');
    const summary = await plan(request);
    carry = {
      counters: {
        files: summary.files,
        // Files that cannot be stored as planned count as failed from the start, as in the report.
        skipped: summary.skipped - (summary.unstorable ?? 0),
        uploaded: 0,
        failed: summary.unstorable ?? 0,
        inFlight: 0,
        bytesTotal: summary.bytes,
        bytesDone: 0,
        registered: 0,
      },
      cursor: 0,
      pages: summary.pages,
      pageSize: summary.pageSize,
      // Batches planned before groups were sized to the accounts keep groups of 32 on replay.
      groupFiles: patched(GROUP_FILES_PATCH)
        ? groupFileLimit(summary.uploadable, request.accounts.length)
        : undefined,
      requeued: [],
      strategyState: { cursor: 0 },
      unavailableAccounts: [],
      paused: false,
      runs: 0,
    };
    log.info('planned', {
      batchId: request.batchId,
      files: summary.files,
      skipped: summary.skipped,
    });
  }
  const state = carry;
  phase = 'uploading';
  setStatus(state.paused ? 'paused' : 'uploading');

  // Upload in a sliding window
  let groupsThisRun = 0;
  let groupsInFlight = 0;
  // `maxParallel` counts groups; batches planned before the patch counted files (one group of
  // 32 small files at a time), and keep doing so on replay.
  const inFlightNow = (): number =>
    state.groupFiles !== undefined ? groupsInFlight : state.counters.inFlight;
  const runLimit = request.groupsPerRun ?? GROUPS_PER_RUN;
  const total = state.pages * state.pageSize;
  for (;;) {
    if (buffer.length === 0 && state.requeued.length === 0 && state.cursor < total) {
      const page = Math.floor(state.cursor / state.pageSize);
      buffer = (await readPage({ batchId: request.batchId, page })).filter(
        (f) => f.index >= state.cursor,
      );
      if (buffer.length === 0) state.cursor = (page + 1) * state.pageSize;
      if (request.strategy === 'token-aware' || request.strategy === 'least-loaded') {
        await refreshAccounts();
      }
      setStatus(state.paused ? 'paused' : 'uploading');
      continue;
    }
    if (buffer.length === 0 && state.requeued.length === 0) break;
    if (groupsThisRun >= runLimit || workflowInfo().continueAsNewSuggested) break;

    await condition(() => inFlightNow() < request.maxParallel && !state.paused);
    const group = nextGroup();
    const account = pickAccount(group);
    if (!account) {
      state.requeued.unshift(...group);
      await waitForFunds();
      continue;
    }
    groupsThisRun++;
    launch(group, account);
  }

  // Drain, then either continue as new or finish
  await condition(() => state.counters.inFlight === 0 && allHandlersFinished());
  if (buffer.length > 0 || state.requeued.length > 0 || state.cursor < total) {
    if (buffer.length > 0) state.cursor = Math.min(state.cursor, buffer[0].index);
    state.runs++;
    await continueAsNew<typeof batchWorkflow>({ request, carry: state });
  }
  phase = 'reporting';
  setStatus('reporting');
  const report = await finishReport({
    batchId: request.batchId,
    meta: {
      sources: request.sources,
      prefix: request.prefix,
      strategy: request.strategy,
      network: request.network,
      runs: state.runs + 1,
      retryOf: request.retryOf,
    },
  });
  const c = state.counters;
  Object.assign(c, {
    files: report.counts.files,
    skipped: report.counts.skipped,
    uploaded: report.counts.uploaded,
    failed: report.counts.failed + report.counts.pending,
    registered: report.counts.registered,
    bytesDone: report.counts.bytes,
  });
  phase = c.failed > 0 ? 'failed' : 'completed';
  setStatus(phase);
  return { ...c, batchId: request.batchId, phase, reportPath: report.path };

  /** Pauses until an account can pay again: a `resume`, or balances seen funded. */
  async function waitForFunds(): Promise<void> {
    state.paused = true;
    pauseReason = 'every account is out of funds: fund one, then run `shelby-batch resume`';
    setStatus('paused');
    log.warn('paused: no account can pay', { batchId: request.batchId });
    while (state.paused && !workflowInfo().continueAsNewSuggested) {
      if (await condition(() => !state.paused, FUNDS_POLL)) return;
      await refreshAccounts();
      const funded = (state.accountState?.accounts ?? [])
        .filter((a) => canPayOneBlob(a))
        .map((a) => a.id);
      if (funded.length > 0) {
        state.unavailableAccounts = state.unavailableAccounts.filter((u) => !funded.includes(u.id));
        state.paused = false;
        pauseReason = undefined;
        setStatus('uploading');
      }
    }
  }

  function canPayOneBlob(account: { shelbyusd: string; apt: string }): boolean {
    const pricing = state.accountState?.pricing;
    if (!pricing) return BigInt(account.shelbyusd) > 0n && BigInt(account.apt) > 0n;
    const storage = BigInt(pricing.storagePerBlob + pricing.storagePerMiB);
    const gas = BigInt((pricing.gasPerTransaction + pricing.gasPerBlob) * pricing.gasUnitPrice);
    return BigInt(account.shelbyusd) >= storage && BigInt(account.apt) >= gas;
  }

  /** Reads balances and every worker's load for the batch's accounts. */
  async function refreshAccounts(): Promise<void> {
    state.accountState = await checkAccounts({ accountIds: request.accounts.map((a) => a.id) });
    otherLoad.clear();
    for (const a of state.accountState.accounts) {
      otherLoad.set(a.id, Math.max(0, a.load - (inFlightByAccount.get(a.id) ?? 0)));
    }
  }

  /** Takes a group's estimated storage cost off the recorded balance, so token-aware spreads. */
  function spend(accountId: string, group: FileRef[]): void {
    const pricing = state.accountState?.pricing;
    const account = state.accountState?.accounts.find((a) => a.id === accountId);
    if (!pricing || !account) return;
    const cost = group.reduce(
      (sum, f) =>
        sum + BigInt(pricing.storagePerBlob + pricing.storagePerMiB * Math.ceil(f.size / 1048576)),
      0n,
    );
    account.shelbyusd = String(BigInt(account.shelbyusd) - cost);
  }

  /** The next files to upload together, re-routed files first. */
  function nextGroup(): FileRef[] {
    const source = state.requeued.length > 0 ? state.requeued : buffer;
    const group = takeGroup(source, state.groupFiles);
    if (source === buffer) state.cursor = Math.max(state.cursor, group[group.length - 1].index + 1);
    return group;
  }

  function pickAccount(group: FileRef[]): string | undefined {
    const unavailable = new Set(state.unavailableAccounts.map((a) => a.id));
    const balances = new Map(state.accountState?.accounts.map((a) => [a.id, a]));
    const views = request.accounts.map((a) => ({
      id: a.id,
      weight: a.weight,
      inFlight: (inFlightByAccount.get(a.id) ?? 0) + (otherLoad.get(a.id) ?? 0),
      shelbyusd: balances.get(a.id)?.shelbyusd,
      apt: balances.get(a.id)?.apt,
      available: !unavailable.has(a.id),
    }));
    const choice = selectAccount(
      request.strategy,
      views,
      state.strategyState,
      `${request.batchId}:${group[0].index}`,
    );
    if (!choice) return undefined;
    state.strategyState = choice.state;
    spend(choice.accountId, group);
    return choice.accountId;
  }

  function launch(group: FileRef[], accountId: string): void {
    state.counters.inFlight += group.length;
    groupsInFlight++;
    inFlightByAccount.set(accountId, (inFlightByAccount.get(accountId) ?? 0) + group.length);
    const settle = (result: Omit<UploadGroupResult, 'requeue'>): void => {
      state.counters.uploaded += result.uploaded;
      state.counters.failed += result.failed;
      state.counters.registered += result.registered;
      state.counters.bytesDone += result.bytes;
    };
    uploadGroup({
      batchId: request.batchId,
      accountId,
      network: request.network,
      files: group,
      expirationMicros: request.expirationMicros,
    })
      .then((result) => {
        settle(result);
        if (result.accountExhausted) {
          if (!state.unavailableAccounts.some((a) => a.id === accountId)) {
            state.unavailableAccounts.push({ id: accountId, reason: 'out of funds' });
          }
          state.requeued.push(...result.requeue);
        }
      })
      .catch(async (error: unknown) => {
        // A cancelled batch records nothing more; its cancellation ends the workflow.
        if (isCancellation(error)) return;
        const cause = error instanceof ActivityFailure ? error.cause : error;
        const failure = {
          type: cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : 'Error',
          message: cause instanceof Error ? cause.message : String(cause),
        };
        try {
          settle(
            await recordFailures({
              batchId: request.batchId,
              accountId,
              files: group,
              error: failure,
              attempts: request.maxRetries + 1,
            }),
          );
        } catch (recordError) {
          if (!isCancellation(recordError)) throw recordError;
        }
      })
      .finally(() => {
        state.counters.inFlight -= group.length;
        groupsInFlight--;
        inFlightByAccount.set(accountId, (inFlightByAccount.get(accountId) ?? 0) - group.length);
      });
  }

  function setStatus(status: string): void {
    const c = counters();
    upsertSearchAttributes([
      { key: BATCH_STATUS, value: status },
      { key: BATCH_NETWORK, value: request.network },
      { key: BATCH_FILES_DONE, value: c.uploaded + c.skipped },
    ]);
    setCurrentDetails(
      `**${status}** — ${c.uploaded} uploaded, ${c.failed} failed, ${c.skipped} skipped of ${c.files} files`,
    );
  }
}

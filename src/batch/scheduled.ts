import type { BatchRequest } from './types';

/**
 * Fills in what a scheduled run can only know when it starts: its batch id (from the workflow id
 * the schedule gave it), a `{date}` in the prefix, and an expiry relative to the run. Pure and
 * deterministic, so the workflow may call it.
 */
export function resolveRequest(
  request: BatchRequest,
  run: { workflowId: string; nowMs: number },
): BatchRequest {
  const date = new Date(run.nowMs).toISOString().slice(0, 10);
  return {
    ...request,
    batchId: request.batchId || run.workflowId.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 128),
    prefix: request.prefix.split('{date}').join(date),
    expirationMicros:
      request.expirationMicros ||
      (request.expiresInMs ? (run.nowMs + request.expiresInMs) * 1000 : 0),
  };
}

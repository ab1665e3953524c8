import type { ActivityDeps } from './deps';
import { createPlan } from './plan';
import { createReadPage } from './pages';
import { createFinishReport, createRecordFailures } from './record';
import { createUploadGroup } from './upload-group';
import { createCheckAccounts } from './accounts';

export type { ActivityDeps } from './deps';

/** Builds the batch activities around the worker's dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    plan: createPlan(deps),
    readPage: createReadPage(deps),
    uploadGroup: createUploadGroup(deps),
    recordFailures: createRecordFailures(deps),
    finishReport: createFinishReport(deps),
    checkAccounts: createCheckAccounts(deps),
  };
}

/** The activity interface as the workflow sees it. */
export type BatchActivities = ReturnType<typeof createActivities>;

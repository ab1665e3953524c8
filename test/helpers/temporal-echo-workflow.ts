/** A minimal workflow proving the test harness round trip: worker, client, search attributes. */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

import { BATCH_FILES_DONE, BATCH_STATUS } from '../../src/temporal/search-attributes';

/** Activities the echo workflow calls. */
export interface EchoActivities {
  shout(text: string): Promise<string>;
}

const { shout } = proxyActivities<EchoActivities>({ startToCloseTimeout: '10 seconds' });

/** Returns its input shouted by an activity, after marking itself done in its search attributes. */
export async function echoWorkflow(text: string): Promise<{ echoed: string; status?: string }> {
  const echoed = await shout(text);
  upsertSearchAttributes([
    { key: BATCH_STATUS, value: 'completed' },
    { key: BATCH_FILES_DONE, value: 1 },
  ]);
  return { echoed, status: workflowInfo().typedSearchAttributes.get(BATCH_STATUS) };
}

/** What integration tests need to reach the shared Temporal dev server. */
import { randomUUID } from 'node:crypto';

import { ADDRESS_ENV, TEST_NAMESPACE } from './temporal-test-server';

/** The shared server's address, as published by the global setup. */
export function testTemporalAddress(): string {
  const address = process.env[ADDRESS_ENV];
  if (!address) {
    throw new Error(
      `${ADDRESS_ENV} is not set: run integration tests through jest (its global setup starts ` +
        'Temporal) or set TEMPORAL_TEST_ADDRESS to a running server.',
    );
  }
  return address;
}

/** Settings for `connectClient` / `connectNative` against the shared server. */
export function testTemporalSettings(): { address: string; namespace: string } {
  return { address: testTemporalAddress(), namespace: TEST_NAMESPACE };
}

/** A task queue no other test polls, so tests sharing the server never steal each other's work. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

import { stopTestTemporal } from '../helpers/temporal-test-server';

/** Stops the dev server the global setup started, if it started one. */
export default async function teardown(): Promise<void> {
  await stopTestTemporal();
}

import { startTestTemporal } from '../helpers/temporal-test-server';

/** Starts one Temporal dev server for every integration test (see temporal-test-server.ts). */
export default async function setup(): Promise<void> {
  await startTestTemporal();
}

/** Every workflow the worker runs; bundled on its own, so nothing here may touch Node APIs. */
export { batchWorkflow } from './batch';
export { progressQuery, pauseSignal, resumeSignal } from './messages';
export { accountLockWorkflow, releaseSignal } from './account-lock';

import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BatchProgress } from '../batch/types';

/** Counters and phase of a running batch. */
export const progressQuery = defineQuery<BatchProgress>('progress');
/** Stops handing out new files; uploads in flight finish. */
export const pauseSignal = defineSignal<[{ reason?: string }?]>('pause');
/** Hands out files again, and puts every account back in the pool. */
export const resumeSignal = defineSignal('resume');

import { Context } from '@temporalio/activity';

/** Runs `work` while heartbeating every few seconds, so long steps are not mistaken for dead ones. */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 5000): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

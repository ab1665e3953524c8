import { ConfigError } from './errors';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;

/** The farthest expiry accepted: 100 years, far inside what a registration can carry. */
export const MAX_EXPIRY_MS = 36_525 * UNIT_MS.d;
/** The nearest expiry accepted: a batch needs time to upload before its blobs expire. */
export const MIN_EXPIRY_MS = UNIT_MS.h;

// Dates only in ISO 8601 shape: `Date.parse` alone accepts too much ("1", "March 7") and would
// turn a typo into a silently wrong expiry.
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** What an expiry setting means before it is pinned to a clock. */
export type ExpirySpec = { kind: 'duration'; ms: number } | { kind: 'date'; epochMs: number };

/**
 * Parses a duration such as `30d`, `12h`, `90m`, `45s` (also `ms` and `w`) into milliseconds.
 *
 * @throws ConfigError when the text is not a positive whole number followed by a unit.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]] : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new ConfigError(
      `expected a positive duration such as 30d, 12h, 90m or 45s, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

/**
 * Reads an expiry setting: either a duration from now (`30d`) or an ISO 8601 date or date-time
 * (`2030-01-31`, `2030-01-31T12:00:00Z`; a date alone means midnight UTC).
 *
 * @throws ConfigError when the text is neither.
 */
export function parseExpirySpec(text: string): ExpirySpec {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) return { kind: 'duration', ms: parseDuration(trimmed) };
  const epochMs = ISO_DATE.test(trimmed) && realDay(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(epochMs)) {
    throw new ConfigError(
      `expected a duration such as 30d or an ISO date such as 2030-01-31, got ${JSON.stringify(text)}`,
    );
  }
  return { kind: 'date', epochMs };
}

/** Whether the date's day exists in its month: `Date.parse` rolls 2030-02-30 over to March. */
function realDay(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Pins an expiry setting to an absolute time.
 *
 * @param value a duration from `nowMs` or an ISO date (see {@link parseExpirySpec})
 * @param nowMs the current time in epoch milliseconds (passed in so callers control the clock)
 * @returns the expiry in epoch milliseconds, always after `nowMs`
 * @throws ConfigError when the value is malformed or the date is not in the future, since a blob
 *   registered with a past expiry would be paid for and then refused.
 */
export function resolveExpiry(value: string, nowMs: number): number {
  const spec = parseExpirySpec(value);
  const expiry = spec.kind === 'duration' ? nowMs + spec.ms : spec.epochMs;
  if (expiry > nowMs + MAX_EXPIRY_MS) {
    throw new ConfigError(
      `expiry ${JSON.stringify(value)} is more than 100 years away; ` +
        'give a nearer date or a shorter duration',
    );
  }
  if (expiry > nowMs && expiry < nowMs + MIN_EXPIRY_MS) {
    throw new ConfigError(
      `expiry ${JSON.stringify(value)} is less than an hour away; blobs would expire while ` +
        'the batch uploads: give at least 1h',
    );
  }
  if (expiry <= nowMs) {
    throw new ConfigError(
      `expiry ${JSON.stringify(value)} is in the past (${new Date(expiry).toISOString()}); ` +
        'give a future date or a duration such as 30d',
    );
  }
  return expiry;
}

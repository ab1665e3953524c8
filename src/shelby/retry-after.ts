/**
 * `Retry-After` (RFC 9110 §10.2.3): either whole seconds or an HTTP date. Servers also send
 * fractional seconds now and then; they are honoured rather than ignored.
 */

/**
 * Milliseconds to wait according to a `Retry-After` value, or undefined when there is none or it
 * cannot be read. A date in the past means no wait.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP date names its day and month; bare numbers such as -3 are not dates.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

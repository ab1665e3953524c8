import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The fault rules the localnet can be told to apply, as written in a `faults.yaml` /
 * `faults.json` file or sent to `POST /localnet/faults`. docs/faults.md is the user's page for
 * this format; keep the two in step.
 */

/** When a rule fires, among the requests its route matches. */
const matchFields = {
  /** Route name (`rpc.putPart`), a family (`rpc.*`), `*`, or a list of them. */
  route: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Fire on every Nth matching request (after `after`): deterministic. */
  every: z.number().int().min(1).optional(),
  /** Fire with this probability; with `seed`, the draws repeat from run to run. */
  p: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  /** Let this many matching requests through untouched first. */
  after: z.number().int().min(0).optional(),
  /** Fire at most this many times. */
  count: z.number().int().min(1).optional(),
};

const jsonHeaders = z.record(z.string(), z.string());

/** A delay in milliseconds, at most a day (longer ones would overflow Node's timers). */
const delayMs = (min: number) => z.number().int().min(min).max(86_400_000);

const ruleSchema = z.discriminatedUnion('action', [
  z.strictObject({
    ...matchFields,
    action: z.literal('status'),
    status: z.number().int().min(100).max(599),
    body: z.unknown().optional(),
    headers: jsonHeaders.optional(),
  }),
  z.strictObject({
    ...matchFields,
    action: z.literal('429'),
    /** Seconds sent in `Retry-After`; omit to send none. */
    retryAfter: z.number().int().min(0).optional(),
    /** Send `Retry-After` as an HTTP date instead of seconds. */
    retryAfterFormat: z.enum(['seconds', 'date']).optional(),
    body: z.unknown().optional(),
  }),
  z.strictObject({ ...matchFields, action: z.literal('latency'), ms: delayMs(0) }),
  z.strictObject({
    ...matchFields,
    action: z.literal('cut'),
    /** `request`: while the body arrives, nothing done; `response`: after the handler acted. */
    during: z.enum(['request', 'response']).optional(),
  }),
  z.strictObject({ ...matchFields, action: z.literal('stored-then-500') }),
  z.strictObject({ ...matchFields, action: z.literal('pending'), ms: delayMs(1) }),
  z.strictObject({ ...matchFields, action: z.literal('sequence-conflict') }),
]);

/** One fault rule. */
export type FaultRule = z.infer<typeof ruleSchema>;

/** The names of the fault actions. */
export type FaultActionName = FaultRule['action'];

/** Actions that only make sense on a transaction submission. */
const SUBMIT_ONLY: FaultActionName[] = ['pending', 'sequence-conflict'];

/** Route whose requests `pending` and `sequence-conflict` act on. */
export const SUBMIT_ROUTE = 'fullnode.submit';

/** A rule list that cannot be used; the message names the rule and the field. */
export class FaultRulesError extends Error {
  override readonly name = 'FaultRulesError';
}

/** Whether a route is subject to faults; the admin API never is, so rules can always be changed. */
export function faultable(route: string): boolean {
  return !route.startsWith('admin.');
}

/** Whether `pattern` (a name, `family.*` or `*`) designates `route`. */
export function routeMatches(pattern: string, route: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return route.startsWith(pattern.slice(0, -1));
  return pattern === route;
}

/** The route patterns of `rule`, as a list. */
export function rulePatterns(rule: FaultRule): string[] {
  return typeof rule.route === 'string' ? [rule.route] : rule.route;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const [index, ...rest] = issue.path;
  const rule =
    Array.isArray(input) && typeof index === 'number'
      ? (input[index] as Record<string, unknown> | undefined)
      : undefined;
  const where =
    typeof index === 'number'
      ? `rule ${index + 1}${typeof rule?.route === 'string' ? ` (${rule.route})` : ''}`
      : 'the rules';
  const field = rest.length > 0 ? `${rest.join('.')}: ` : '';
  return `${where}: ${field}${issue.message}`;
}

/**
 * Checks a rule list (a bare array, or `{ rules: [...] }`) against the schema and the localnet's
 * route names, so a typo fails loudly instead of injecting nothing.
 * @throws {@link FaultRulesError}
 */
export function parseFaultRules(input: unknown, allRoutes: readonly string[]): FaultRule[] {
  const routeNames = allRoutes.filter(faultable);
  const list =
    input !== null && typeof input === 'object' && !Array.isArray(input) && 'rules' in input
      ? (input as { rules: unknown }).rules
      : (input ?? []);
  const parsed = z.array(ruleSchema).safeParse(list);
  if (!parsed.success) {
    throw new FaultRulesError(
      `Invalid fault rules: ${parsed.error.issues.map((i) => describeIssue(i, list)).join('; ')}; see docs/faults.md`,
    );
  }
  parsed.data.forEach((rule, i) => {
    const patterns = rulePatterns(rule);
    for (const pattern of patterns) {
      if (!routeNames.some((route) => routeMatches(pattern, route))) {
        throw new FaultRulesError(
          `Fault rule ${i + 1}: no localnet route is called ${pattern}; routes are ${routeNames.join(', ')}`,
        );
      }
    }
    if (SUBMIT_ONLY.includes(rule.action) && patterns.some((p) => p !== SUBMIT_ROUTE)) {
      throw new FaultRulesError(
        `Fault rule ${i + 1}: ${rule.action} applies to ${SUBMIT_ROUTE} only; set route: ${SUBMIT_ROUTE}`,
      );
    }
    if (rule.every !== undefined && rule.p !== undefined) {
      throw new FaultRulesError(`Fault rule ${i + 1}: set either every or p, not both`);
    }
  });
  return parsed.data;
}

/** Reads a rule file: YAML (`.yaml`, `.yml`) or JSON (anything else). */
export function readFaultRulesFile(file: string, routeNames: readonly string[]): FaultRule[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new FaultRulesError(
      `Cannot read fault rules from ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`,
    );
  }
  let input: unknown;
  try {
    input = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new FaultRulesError(
      `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  try {
    return parseFaultRules(input, routeNames);
  } catch (error) {
    if (error instanceof FaultRulesError) throw new FaultRulesError(`${file}: ${error.message}`);
    throw error;
  }
}

/** Names of the rule files a localnet picks up from its home at start, in order of preference. */
export const HOME_FAULT_FILES = ['faults.yaml', 'faults.yml', 'faults.json'];

/** The rule file in `home`, if there is one. */
export function homeFaultFile(home: string): string | undefined {
  return HOME_FAULT_FILES.map((name) => path.join(home, name)).find((file) => fs.existsSync(file));
}

import { once } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { vmValidationError } from './aptos-errors';
import {
  faultable,
  parseFaultRules,
  routeMatches,
  rulePatterns,
  type FaultRule,
} from './fault-rules';
import {
  json,
  type LocalnetInterceptor,
  type LocalnetRequest,
  type LocalnetResponse,
} from './http';

/**
 * Fault injection: an interceptor that applies the current {@link FaultRule}s to every request
 * of the Shelby and Aptos APIs (never to the admin API, so faults can always be changed or
 * cleared). Rules can be replaced while the localnet runs, which restarts their counters.
 */

/** A rule as `GET /localnet/faults` shows it, with how often it matched and acted. */
export type FaultRuleView = FaultRule & { matched: number; fired: number };

/** The answer of `GET /localnet/faults`. */
export interface FaultsView {
  rules: FaultRuleView[];
  /** Requests seen per route since the rules were last set (admin routes excluded). */
  requests: Record<string, number>;
  /** Where the rules came from: a file path, `admin`, `options`, or `none`. */
  source: string;
}

/** A deterministic generator in [0, 1) (mulberry32), for rules with a `seed`. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveRule {
  rule: FaultRule;
  matched: number;
  fired: number;
  random: () => number;
}

/** The rules of one localnet and the interceptor that applies them. */
export class FaultInjector {
  private active: ActiveRule[] = [];
  private requests = new Map<string, number>();
  private source = 'none';

  /** @param routeNames every route of the localnet, to check rule routes against. */
  constructor(private readonly routeNames: readonly string[]) {}

  /** Validates `input` (see {@link parseFaultRules}) and makes it the rule list. */
  set(input: unknown, source: string): FaultRule[] {
    const rules = parseFaultRules(input, this.routeNames);
    this.use(rules, source);
    return rules;
  }

  /** Replaces the rules with already validated ones and restarts every counter. */
  use(rules: FaultRule[], source: string): void {
    this.active = rules.map((rule) => ({
      rule,
      matched: 0,
      fired: 0,
      random: rule.seed === undefined ? Math.random : seeded(rule.seed),
    }));
    this.requests = new Map();
    this.source = rules.length === 0 ? 'none' : source;
  }

  /** The rules with their counters. */
  view(): FaultsView {
    return {
      rules: this.active.map((a) => ({ ...a.rule, matched: a.matched, fired: a.fired })),
      requests: Object.fromEntries(this.requests),
      source: this.source,
    };
  }

  /** The interceptor to install in the server. */
  readonly interceptor: LocalnetInterceptor = async (request, next) => {
    if (!faultable(request.route)) return next();
    this.requests.set(request.route, (this.requests.get(request.route) ?? 0) + 1);
    let delayMs = 0;
    let decided: Exclude<FaultRule, { action: 'latency' }> | undefined;
    for (const active of this.active) {
      if (!rulePatterns(active.rule).some((p) => routeMatches(p, request.route))) continue;
      // Every matching rule counts the request, so `every` cycles do not depend on other rules.
      active.matched += 1;
      if (!this.fires(active)) continue;
      const { rule } = active;
      if (rule.action === 'latency') {
        active.fired += 1;
        delayMs += rule.ms;
      } else if (!decided) {
        active.fired += 1;
        decided = rule;
      }
    }
    if (delayMs > 0 && !(await delay(request, delayMs))) return undefined;
    return decided ? apply(decided, request, next) : next();
  };

  private fires(active: ActiveRule): boolean {
    const { rule } = active;
    if (rule.count !== undefined && active.fired >= rule.count) return false;
    const position = active.matched - (rule.after ?? 0);
    if (position <= 0) return false;
    if (rule.every !== undefined) return position % rule.every === 0;
    if (rule.p !== undefined) return active.random() < rule.p;
    return true;
  }
}

/** Waits `ms`; false when the client went away meanwhile (nothing is left to answer). */
async function delay(request: LocalnetRequest, ms: number): Promise<boolean> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  request.outgoing.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: gone.signal });
    return true;
  } catch {
    return false;
  } finally {
    request.outgoing.off('close', onClose);
  }
}

/** What an injected failure answers when the rule gives no body. */
function injectedBody(status: number, what: string) {
  return { error: status === 429 ? 'rate_limited' : 'injected_fault', message: what };
}

async function apply(
  rule: Exclude<FaultRule, { action: 'latency' }>,
  request: LocalnetRequest,
  next: () => Promise<LocalnetResponse>,
): Promise<LocalnetResponse | undefined> {
  switch (rule.action) {
    case 'status':
      return {
        status: rule.status,
        headers: rule.headers,
        json:
          rule.body ??
          injectedBody(rule.status, `Injected fault: ${request.route} answered ${rule.status}`),
      };
    case '429': {
      const headers: Record<string, string> = {};
      if (rule.retryAfter !== undefined) {
        headers['retry-after'] =
          rule.retryAfterFormat === 'date'
            ? new Date(Date.now() + rule.retryAfter * 1000).toUTCString()
            : String(rule.retryAfter);
      }
      return {
        status: 429,
        headers,
        json:
          rule.body ??
          injectedBody(
            429,
            `Too many requests${rule.retryAfter === undefined ? '' : `; retry after ${rule.retryAfter} s`}`,
          ),
      };
    }
    case 'cut':
      if (rule.during === 'response') return cutResponse(request, await next());
      await cutRequest(request);
      return undefined;
    case 'stored-then-500': {
      const response = await next();
      if (response.body instanceof Readable) response.body.destroy();
      return json(500, {
        error: 'internal',
        message: `Injected fault: ${request.route} was carried out, then answered 500`,
      });
    }
    case 'pending':
      request.pendingMs = rule.ms;
      return next();
    case 'sequence-conflict':
      return json(
        400,
        vmValidationError(
          'SEQUENCE_NUMBER_TOO_OLD',
          'injected fault: the sequence number was right',
        ),
      );
  }
}

/** Destroys the connection once part of the request body has arrived (or at once without one). */
async function cutRequest(request: LocalnetRequest): Promise<void> {
  const { incoming } = request;
  const hasBody =
    Number(incoming.headers['content-length'] ?? 0) > 0 ||
    incoming.headers['transfer-encoding'] !== undefined;
  if (hasBody && !incoming.readableEnded) {
    await Promise.race([once(incoming, 'data'), once(incoming, 'end'), once(incoming, 'close')]);
  }
  request.outgoing.destroy();
}

/** Sends the status, the headers and half of the body, then destroys the connection. */
async function cutResponse(
  request: LocalnetRequest,
  response: LocalnetResponse,
): Promise<undefined> {
  const { outgoing, incoming } = request;
  let body: Buffer;
  if (response.json !== undefined) body = Buffer.from(JSON.stringify(response.json));
  else if (response.body instanceof Readable) {
    const iterator = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await iterator.next();
    response.body.destroy();
    body = first.done ? Buffer.alloc(0) : first.value;
  } else body = response.body ?? Buffer.alloc(0);
  if (!incoming.readableEnded) incoming.resume();
  const headers: Record<string, string> = { ...response.headers };
  if (response.json !== undefined) headers['content-type'] ??= 'application/json';
  // At least one byte is announced and never sent, so the client always sees a truncated body.
  headers['content-length'] ??= String(Math.max(body.length, 1));
  outgoing.writeHead(response.status, headers);
  const sent = body.subarray(0, Math.floor(body.length / 2));
  await new Promise<void>((resolve) => outgoing.write(sent, () => resolve()));
  outgoing.destroy();
  return undefined;
}

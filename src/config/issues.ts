import type { z } from 'zod';

import { SECRET_FIELDS } from './schema';

type Path = readonly PropertyKey[];

/**
 * Turns zod issues into one line each: `<file>: <field path>: <what was expected>, got <value>`.
 * Values of secret fields are never quoted, only their type.
 *
 * @param schema the schema that produced the issues, used to list the keys allowed where an
 *   unknown key was found
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  file: string,
  schema: z.ZodType,
): string[] {
  return issues.map((issue) => {
    const where = `${file}: ${formatPath(issue.path)}`;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, issue.path);
      const list = allowed ? `; allowed here: ${allowed.join(', ')}` : '';
      const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
      const hint = allowed && issue.keys.length === 1 ? suggest(issue.keys[0], allowed) : '';
      return `${where}: unknown key ${keys}${hint}${list}`;
    }
    const message = issue.message.startsWith('Invalid input')
      ? `expected ${issue.code === 'invalid_type' ? article(issue.expected) : 'a valid value'}`
      : issue.message;
    const value = valueAt(raw, issue.path);
    if (value === undefined) return `${where}: ${message}, but it is missing`;
    return `${where}: ${message}, got ${describe(value, isSecret(issue.path))}`;
  });
}

/** Formats a path as `accounts[1].weight`; the top level is `(top level)`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(top level)' : out;
}

function isSecret(path: Path): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_FIELDS.has(segment));
}

function valueAt(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describe(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (secret) return `a ${typeof value} (value hidden)`;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

function article(expected: string): string {
  const noun = expected === 'object' ? 'mapping' : expected === 'array' ? 'list' : expected;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

// Walks the schema along the issue's path to the object whose keys were wrong. Relies on zod's
// internal definition shape; if that shape changes, the message simply loses its key list.
function allowedKeys(schema: z.ZodType, path: Path): string[] | undefined {
  let node: unknown = schema;
  const steps = [...path];
  for (let guard = 0; guard < 64 && node; guard++) {
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object') {
      const shape = def.shape as Record<string, unknown>;
      if (steps.length === 0) return Object.keys(shape);
      node = shape[String(steps.shift())];
    } else if (def.type === 'array') {
      steps.shift();
      node = def.element;
    } else if (def.type === 'pipe') {
      node =
        (def.out as { _zod?: { def?: { type?: string } } })?._zod?.def?.type === 'transform'
          ? def.in
          : def.out;
    } else if ('innerType' in def) {
      node = def.innerType;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function suggest(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

import { normalizeAddress } from './addresses';

/**
 * Evaluation of Hasura-style `where` (bool_exp) and `order_by` arguments over flat rows, enough
 * for the Shelby indexer queries: `_and`, `_or`, `_not` and the comparison operators.
 */

/** A row: column name to value (numbers travel as numeric strings, as the indexer sends them). */
export type Row = Record<string, string | null>;

/** Thrown for a filter the localnet cannot evaluate; answered as a GraphQL error. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

const INTEGER = /^-?\d+$/;

/** Columns holding addresses, compared in long form so `0x1` equals its padded spelling. */
const ADDRESS_COLUMNS = new Set(['owner', 'slice_address', 'placement_group']);

function canonical(column: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return ADDRESS_COLUMNS.has(column) ? (normalizeAddress(text) ?? text) : text;
}

function compare(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function like(value: string, pattern: string, caseless: boolean): boolean {
  const source = pattern
    .split('%')
    .map((part) =>
      part
        .split('_')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.'),
    )
    .join('.*');
  return new RegExp(`^${source}$`, caseless ? 'is' : 's').test(value);
}

function test(column: string, value: string | null, ops: Record<string, unknown>): boolean {
  for (const [op, raw] of Object.entries(ops)) {
    if (op === '_is_null') {
      if ((value === null) !== Boolean(raw)) return false;
      continue;
    }
    if (value === null) return false;
    if (op === '_in' || op === '_nin') {
      if (!Array.isArray(raw)) throw new FilterError(`${op} on ${column} needs a list`);
      const found = raw.some((item) => compare(value, canonical(column, item) ?? '') === 0);
      if (found !== (op === '_in')) return false;
      continue;
    }
    const other = canonical(column, raw);
    if (other === null) throw new FilterError(`${op} on ${column} needs a value`);
    const order = compare(value, other);
    const ok =
      op === '_eq'
        ? order === 0
        : op === '_neq'
          ? order !== 0
          : op === '_gt'
            ? order > 0
            : op === '_gte'
              ? order >= 0
              : op === '_lt'
                ? order < 0
                : op === '_lte'
                  ? order <= 0
                  : op === '_like'
                    ? like(value, other, false)
                    : op === '_ilike'
                      ? like(value, other, true)
                      : undefined;
    if (ok === undefined)
      throw new FilterError(`Operator ${op} is not supported by the localnet indexer`);
    if (!ok) return false;
  }
  return true;
}

/** True when `row` satisfies the bool_exp `where`. */
export function matches(row: Row, where: unknown, columns: readonly string[]): boolean {
  if (where === undefined || where === null) return true;
  if (typeof where !== 'object') throw new FilterError('where must be an object');
  for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
    if (key === '_and') {
      if (!(value as unknown[]).every((w) => matches(row, w, columns))) return false;
    } else if (key === '_or') {
      if (!(value as unknown[]).some((w) => matches(row, w, columns))) return false;
    } else if (key === '_not') {
      if (matches(row, value, columns)) return false;
    } else {
      if (!columns.includes(key))
        throw new FilterError(`field '${key}' not found in the filter type`);
      if (!test(key, canonical(key, row[key]), (value ?? {}) as Record<string, unknown>))
        return false;
    }
  }
  return true;
}

/** Sorts `rows` by an order_by argument (a list or a single object of column: direction). */
export function sortRows(rows: Row[], orderBy: unknown): Row[] {
  const terms = (Array.isArray(orderBy) ? orderBy : orderBy ? [orderBy] : []).flatMap((term) =>
    Object.entries(term as Record<string, string>),
  );
  if (terms.length === 0) return rows;
  return [...rows].sort((a, b) => {
    for (const [column, direction] of terms) {
      const order = compare(a[column] ?? '', b[column] ?? '');
      if (order !== 0) return direction.startsWith('desc') ? -order : order;
    }
    return 0;
  });
}

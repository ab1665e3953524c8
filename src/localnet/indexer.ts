import { blobKey, parseBlobKey } from './addresses';
import type { LocalnetContext } from './context';
import { FilterError, matches, sortRows, type Row } from './graphql-filter';
import { json, readJson, type LocalnetResponse, type Route } from './http';
import type { BlobRecord } from './ledger';
import { LOCALNET_SLICE_ADDRESS } from './registration';

/**
 * The Shelby indexer's GraphQL endpoint, answering the SDK's `getBlobs` and `getBlobsCount`
 * (plus `processor_status`). The indexer is always up to date with the ledger. Only variables
 * are read: the SDK's documents pass every argument through them, and literal arguments in the
 * query text are not parsed.
 */

const BLOB_COLUMNS = [
  'owner',
  'blob_commitment',
  'blob_name',
  'created_at',
  'expires_at',
  'num_chunksets',
  'is_deleted',
  'is_written',
  'placement_group',
  'size',
  'updated_at',
  'slice_address',
] as const;

function blobRow(blob: BlobRecord): Row {
  return {
    owner: blob.owner,
    blob_commitment: blob.root,
    blob_name: blobKey(blob.owner, blob.name),
    created_at: String(blob.creationMicros),
    expires_at: String(blob.expirationMicros),
    num_chunksets: String(blob.numChunksets),
    is_deleted: '0',
    is_written: blob.isWritten ? '1' : '0',
    placement_group: LOCALNET_SLICE_ADDRESS,
    size: String(blob.size),
    updated_at: String(blob.writtenMicros ?? blob.creationMicros),
    slice_address: LOCALNET_SLICE_ADDRESS,
  };
}

/**
 * Blobs that can match `where`. The SDK's batchUpload asks by `blob_name _in [...]`, so that
 * case is a direct lookup rather than a scan of every blob.
 */
function candidates(ctx: LocalnetContext, where: unknown): BlobRecord[] {
  const names = (where as { blob_name?: { _in?: unknown } } | undefined)?.blob_name?._in;
  if (!Array.isArray(names)) return ctx.ledger.allBlobs();
  const found = new Set<BlobRecord>();
  for (const name of names) {
    const key = parseBlobKey(String(name));
    const blob = key && ctx.ledger.blob(key.owner, key.name);
    if (blob) found.add(blob);
  }
  return [...found];
}

function graphqlError(message: string): LocalnetResponse {
  return json(200, { errors: [{ message, extensions: { code: 'validation-failed' } }] });
}

function page(rows: Row[], variables: Record<string, unknown>): Row[] {
  const offset = Number(variables.offset ?? 0) || 0;
  const limit =
    variables.limit === undefined || variables.limit === null ? undefined : Number(variables.limit);
  return rows.slice(offset, limit === undefined ? undefined : offset + limit);
}

/** The GraphQL route, at `/shelby-indexer/v1/graphql`. */
export function indexerRoutes(ctx: LocalnetContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/shelby-indexer\/v1\/graphql$/,
      name: 'indexer.graphql',
      handler: async (request) => {
        const body = (await readJson(request.incoming)) as { query?: unknown; variables?: unknown };
        const query = typeof body.query === 'string' ? body.query : '';
        const variables = (body.variables ?? {}) as Record<string, unknown>;
        const data: Record<string, unknown> = {};
        try {
          const select = () =>
            sortRows(
              candidates(ctx, variables.where)
                .map(blobRow)
                .filter((row) => matches(row, variables.where, BLOB_COLUMNS)),
              variables.orderBy,
            );
          if (/\bblobs_aggregate\s*\(/.test(query)) {
            data.blobs_aggregate = { aggregate: { count: select().length } };
          } else if (/\bblobs\s*\(/.test(query)) {
            data.blobs = page(select(), variables);
          }
          if (/\bprocessor_status\b/.test(query)) {
            const last = ctx.ledger.allTransactions().at(-1);
            data.processor_status = [
              {
                last_success_version: ctx.ledger.version,
                last_transaction_timestamp: new Date(
                  (last?.timestampMicros ?? 0) / 1000,
                ).toISOString(),
                last_updated: new Date(ctx.nowMicros() / 1000).toISOString(),
              },
            ];
          }
        } catch (error) {
          if (error instanceof FilterError) return graphqlError(error.message);
          throw error;
        }
        if (Object.keys(data).length === 0) {
          return graphqlError(
            'The localnet indexer answers only blobs, blobs_aggregate and processor_status',
          );
        }
        return json(200, { data });
      },
    },
  ];
}

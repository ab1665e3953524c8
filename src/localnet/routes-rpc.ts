import { normalizeAddress } from './addresses';
import { UploadError, type UploadSession } from './blob-store';
import type { LocalnetContext } from './context';
import { HttpError, json, readJson, type LocalnetResponse, type Route } from './http';
import type { BlobRecord } from './ledger';

/**
 * The Shelby RPC node (`/shelby/v1`): multipart upload of a registered blob's bytes and ranged
 * download. Errors answer `{ error, message }` with a message saying what to do next.
 */

/** Largest part size a client may ask for; the SDK uses 5 MiB. */
const MAX_PART_SIZE = 64 * 1024 * 1024;

function rpcError(status: number, error: string, message: string): LocalnetResponse {
  return json(status, { error, message });
}

/** The live (non-expired) registration of `name` under `owner`, or an HTTP 404. */
function liveBlob(ctx: LocalnetContext, owner: string, name: string): BlobRecord {
  const blob = ctx.ledger.blob(owner, name);
  if (!blob) {
    throw new HttpError(
      404,
      `Blob ${name} of ${owner} is not registered; register it on chain first`,
      {
        error: 'blob_not_registered',
        message: `Blob ${name} of ${owner} is not registered; register it on chain first`,
      },
    );
  }
  if (blob.expirationMicros <= ctx.nowMicros()) {
    throw new HttpError(404, `Blob ${name} of ${owner} has expired`, {
      error: 'blob_expired',
      message: `Blob ${name} of ${owner} expired; register it again to store new bytes`,
    });
  }
  return blob;
}

async function withSession(
  ctx: LocalnetContext,
  id: string,
): Promise<{ session: UploadSession; blob: BlobRecord }> {
  const session = await ctx.blobs.session(id);
  const blob = liveBlob(ctx, session.owner, session.name);
  if (blob.creationMicros !== session.creationMicros) {
    throw new UploadError(
      409,
      `${session.name} was registered again after this upload started; start a new upload`,
    );
  }
  return { session, blob };
}

function uploadErrorResponse(error: unknown): LocalnetResponse {
  if (error instanceof UploadError) {
    const name =
      error.status === 404
        ? 'upload_not_found'
        : error.status === 413
          ? 'part_too_large'
          : 'upload_refused';
    return rpcError(error.status, name, error.message);
  }
  throw error;
}

/** Parses `Range: bytes=...` against `size`: a single range, or undefined for the whole blob. */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Routes of the RPC node under `/shelby/v1`. */
export function rpcRoutes(ctx: LocalnetContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/shelby\/v1\/multipart-uploads$/,
      name: 'rpc.start',
      handler: async (request) => {
        const body = (await readJson(request.incoming)) as Record<string, unknown>;
        const owner = normalizeAddress(String(body.rawAccount ?? ''));
        const name = body.rawBlobName;
        const partSize = Number(body.rawPartSize);
        if (owner === undefined || typeof name !== 'string' || name === '') {
          return rpcError(
            400,
            'bad_request',
            'Body needs rawAccount (an address), rawBlobName and rawPartSize',
          );
        }
        if (!Number.isSafeInteger(partSize) || partSize < 1 || partSize > MAX_PART_SIZE) {
          return rpcError(400, 'bad_request', `rawPartSize must be 1 to ${MAX_PART_SIZE} bytes`);
        }
        const blob = liveBlob(ctx, owner, name);
        const session = await ctx.blobs.startUpload(blob, partSize);
        return json(200, { uploadId: session.id });
      },
    },
    {
      method: 'PUT',
      pattern: /^\/shelby\/v1\/multipart-uploads\/(?<id>[^/]+)\/parts\/(?<index>[^/]+)$/,
      name: 'rpc.putPart',
      handler: async (request) => {
        const index = Number(request.params.index);
        if (!/^\d+$/.test(request.params.index) || !Number.isSafeInteger(index)) {
          return rpcError(
            400,
            'bad_request',
            `Part index ${request.params.index} is not a non-negative integer`,
          );
        }
        try {
          const { session } = await withSession(ctx, request.params.id);
          const size = await ctx.blobs.writePart(session, index, request.incoming);
          return json(200, { uploadId: session.id, part: index, size });
        } catch (error) {
          return uploadErrorResponse(error);
        }
      },
    },
    {
      method: 'POST',
      pattern: /^\/shelby\/v1\/multipart-uploads\/(?<id>[^/]+)\/complete$/,
      name: 'rpc.complete',
      handler: async (request) => {
        try {
          const { session, blob } = await withSession(ctx, request.params.id);
          await ctx.blobs.complete(session);
          ctx.ledger.commit({
            type: 'written',
            owner: blob.owner,
            name: blob.name,
            creationMicros: blob.creationMicros,
            atMicros: ctx.nowMicros(),
          });
          return json(200, { success: true });
        } catch (error) {
          return uploadErrorResponse(error);
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/shelby\/v1\/blobs\/(?<account>[^/]+)\/(?<name>.+)$/,
      name: 'rpc.getBlob',
      handler: async (request) => {
        const owner = normalizeAddress(request.params.account);
        if (owner === undefined) {
          return rpcError(
            400,
            'bad_request',
            `${request.params.account} is not an account address`,
          );
        }
        const blob = liveBlob(ctx, owner, request.params.name);
        if (!blob.isWritten || !ctx.blobs.hasBytes(blob)) {
          return rpcError(
            404,
            'blob_not_written',
            `Blob ${blob.name} is registered but its bytes were never uploaded; upload them first`,
          );
        }
        const range = parseRange(request.incoming.headers.range, blob.size);
        if (range === 'unsatisfiable') {
          return {
            status: 416,
            headers: { 'content-range': `bytes */${blob.size}` },
            json: {
              error: 'range_not_satisfiable',
              message: `Blob ${blob.name} has ${blob.size} bytes`,
            },
          };
        }
        const headers = {
          'content-type': 'application/octet-stream',
          'accept-ranges': 'bytes',
        };
        if (range === undefined) {
          return {
            status: 200,
            headers: { ...headers, 'content-length': String(blob.size) },
            body: blob.size === 0 ? Buffer.alloc(0) : ctx.blobs.read(blob, 0, blob.size - 1),
          };
        }
        return {
          status: 206,
          headers: {
            ...headers,
            'content-length': String(range.end - range.start + 1),
            'content-range': `bytes ${range.start}-${range.end}/${blob.size}`,
          },
          body: ctx.blobs.read(blob, range.start, range.end),
        };
      },
    },
  ];
}

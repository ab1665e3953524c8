import { AccountAddress } from '@aptos-labs/ts-sdk';
import type { ShelbyClient } from './client';

/** A blob's metadata as the indexer gives it. */
type BlobMetadata = Awaited<ReturnType<ShelbyClient['coordination']['getBlobs']>>[number];

/** Blob keys per indexer query. */
const KEYS_PER_QUERY = 200;

/**
 * The unexpired blobs that any of `owners` holds under any of `names`, by name, in one indexer
 * query per few hundred (owner, name) pairs rather than one chain read per pair. Used so a file
 * another configured account already stores is not paid for again.
 *
 * @param read wraps each query (retries of transient failures)
 */
export async function blobsHeldBy(
  shelby: ShelbyClient,
  owners: string[],
  names: string[],
  read: <T>(query: () => Promise<T>) => Promise<T>,
): Promise<Map<string, BlobMetadata[]>> {
  const held = new Map<string, BlobMetadata[]>();
  if (owners.length === 0 || names.length === 0) return held;
  const prefixes = owners.map((owner) => `@${AccountAddress.from(owner).toStringLong().slice(2)}/`);
  const keys = names.flatMap((name) => prefixes.map((prefix) => prefix + name));
  for (let at = 0; at < keys.length; at += KEYS_PER_QUERY) {
    const found = await read(() =>
      shelby.coordination.getBlobs({
        where: { blob_name: { _in: keys.slice(at, at + KEYS_PER_QUERY) } },
      }),
    );
    for (const meta of found) {
      const list = held.get(meta.blobNameSuffix) ?? [];
      list.push(meta);
      held.set(meta.blobNameSuffix, list);
    }
  }
  return held;
}

import type { Connection } from '@temporalio/client';
import { SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes';

import { waitUntil } from './background-process';
import { SearchAttributeConflictError } from './errors';
import { SHELBY_SEARCH_ATTRIBUTES } from './search-attributes';

/** gRPC status code the server returns when another client registered the attribute first. */
const GRPC_ALREADY_EXISTS = 6;

/**
 * Registers whichever of our search attributes the namespace lacks, through the operator
 * service. Idempotent and safe to run from several workers at once. Needed for servers the CLI
 * did not start itself (docker compose, a hand-started dev server); the embedded dev server
 * gets them as launch flags.
 *
 * @returns the names that were added (empty when all were present).
 * @throws {@link SearchAttributeConflictError} when a name exists with another type.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[]> {
  const missing = await findMissing(connection, namespace);
  if (missing.length === 0) return [];

  const searchAttributes = Object.fromEntries(
    missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // A concurrent registration is fine as long as the types it chose match ours.
    if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    const stillMissing = await findMissing(connection, namespace);
    if (stillMissing.length > 0) throw err;
  }
  await waitUntilQueryable(connection, namespace, missing);
  return missing.map((key) => key.name);
}

/**
 * Servers cache their search attribute list, so a workflow started right after registration can
 * still be refused. A visibility query naming the new attributes goes through the same cache:
 * once it is accepted, they are usable. Gives up quietly after `timeoutMs`; the first start
 * then reports the real problem.
 */
async function waitUntilQueryable(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
  timeoutMs = 30_000,
): Promise<void> {
  const query = keys
    .map((key) => `${key.name} = ${key.type === SearchAttributeType.INT ? '0' : "'probe'"}`)
    .join(' AND ');
  await waitUntil(
    () =>
      connection.workflowService.countWorkflowExecutions({ namespace, query }).then(
        () => true,
        () => false,
      ),
    timeoutMs,
    500,
  );
}

async function findMissing(connection: Connection, namespace: string) {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = listed.customAttributes ?? {};
  return SHELBY_SEARCH_ATTRIBUTES.filter((key) => {
    const existing = custom[key.name];
    if (existing === undefined || existing === null) return true;
    const wanted = encodeSearchAttributeIndexedValueType(key.type);
    if (existing !== wanted) {
      throw new SearchAttributeConflictError(
        key.name,
        TypedSearchAttributes.toMetadataType(key.type),
        describeIndexedType(existing),
        namespace,
      );
    }
    return false;
  });
}

function describeIndexedType(value: number): string {
  const byEncoding = Object.values(SearchAttributeType).find(
    (type) => encodeSearchAttributeIndexedValueType(type) === value,
  );
  return byEncoding ? TypedSearchAttributes.toMetadataType(byEncoding) : `type #${value}`;
}

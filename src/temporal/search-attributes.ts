/**
 * The custom search attributes shelby-batch sets on its workflows, so batches can be listed and
 * filtered in the Web UI (`ShelbyBatchStatus = "running"`). Safe to import from workflow code:
 * it depends on nothing but @temporalio/common.
 */
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  TypedSearchAttributes,
} from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/** The batch's lifecycle state (for example `planning`, `running`, `paused`, `completed`). */
export const BATCH_STATUS = defineSearchAttributeKey(
  'ShelbyBatchStatus',
  SearchAttributeType.KEYWORD,
);

/** The Shelby network the batch writes to (`local`, `shelbynet`, `testnet`, ...). */
export const BATCH_NETWORK = defineSearchAttributeKey('ShelbyNetwork', SearchAttributeType.KEYWORD);

/** How many files of the batch have reached a final outcome so far. */
export const BATCH_FILES_DONE = defineSearchAttributeKey(
  'ShelbyFilesDone',
  SearchAttributeType.INT,
);

/** Every custom search attribute the product needs registered in its namespace. */
export const SHELBY_SEARCH_ATTRIBUTES: readonly SearchAttributeKey<SearchAttributeType>[] = [
  BATCH_STATUS,
  BATCH_NETWORK,
  BATCH_FILES_DONE,
];

/**
 * The `--search-attribute NAME=Type` flags that make `temporal server start-dev` register our
 * attributes at launch.
 */
export function searchAttributeFlags(
  keys: readonly SearchAttributeKey<SearchAttributeType>[] = SHELBY_SEARCH_ATTRIBUTES,
): string[] {
  return keys.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
}

import { AccountAddress } from '@aptos-labs/ts-sdk';

/**
 * Address and blob-key spelling. The ledger stores every address in long form (`0x` + 64 hex) so
 * that `0x1`, `0x01` and the padded form name the same account.
 */

/** Long form of an account address, or undefined when `input` is not an address. */
export function normalizeAddress(input: string): string | undefined {
  try {
    return AccountAddress.from(input).toStringLong();
  } catch {
    return undefined;
  }
}

/** The on-chain key of a blob: `@<64 hex, no 0x>/<name>`, as the SDK builds it. */
export function blobKey(owner: string, name: string): string {
  return `@${owner.slice(2)}/${name}`;
}

/** Owner (long form) and name of an on-chain blob key, or undefined when malformed. */
export function parseBlobKey(key: string): { owner: string; name: string } | undefined {
  const match = /^@([0-9a-fA-F]{1,64})\/(.*)$/s.exec(key);
  if (!match) return undefined;
  const owner = normalizeAddress(`0x${match[1]}`);
  return owner === undefined ? undefined : { owner, name: match[2] };
}

/**
 * Fixed identities of the Shelby network that the localnet mimics. The SDK hard-codes these
 * addresses, so the localnet must answer under exactly the same ones.
 */

/** Address that publishes the `blob_metadata` module on every Shelby network. */
export const SHELBY_DEPLOYER = '0xc63d6a5efb0080a6029403131715bd4971e1149f7cc099aac69bb0069b3ddbf5';

/** Fungible-asset metadata address of ShelbyUSD, the token that pays for storage. */
export const SHELBYUSD_METADATA =
  '0x1b18363a9f1fe5e6ebf247daba5cc1c18052bb232efdc4c50f556053922d98e1';

/** Chain id of an Aptos local network; the SDK assumes it for `Network.LOCAL`. */
export const LOCALNET_CHAIN_ID = 4;

/** Coin type of APT, the gas token. */
export const APTOS_COIN = '0x1::aptos_coin::AptosCoin';

/** Fungible-asset metadata address of APT (the paired FA of the coin). */
export const APT_METADATA = '0xa';

/** Name of the Shelby module that registers blobs. */
export const BLOB_MODULE = 'blob_metadata';

/** Only encoding the chain accepts: Clay code with 16 chunks, 10 of data, 13 helpers. */
export const CLAY_ENCODING_VARIANT = 'ClayCode_16Total_10Data_13Helper';

/** Size of one chunkset; the on-chain chunkset count is derived from it. */
export const CHUNKSET_SIZE_BYTES = 10 * 1024 * 1024;

/** Longest blob name the localnet registers, in UTF-16 code units like the SDK's own check. */
export const MAX_BLOB_NAME_LENGTH = 1024;

/** Largest signed transaction accepted, as on Aptos (64 KiB). */
export const MAX_TRANSACTION_BYTES = 64 * 1024;

/** Number of chunksets a blob of `size` bytes has on chain (an empty blob still has one). */
export function expectedChunksets(size: number): number {
  return size === 0 ? 1 : Math.ceil(size / CHUNKSET_SIZE_BYTES);
}

import { BLOB_MODULE, SHELBY_DEPLOYER } from './constants';

/**
 * Module ABIs the localnet publishes. The SDK encodes entry-function and view arguments from the
 * ABI it fetches, so these parameter types decide how every transaction reaches the localnet.
 * Shelby's Move source is private; the integer widths here are a plausible reading, chosen so that
 * the SDK's JavaScript numbers encode without loss.
 */

/** One function of a module ABI, in the Aptos REST shape. */
export interface MoveFunctionAbi {
  name: string;
  visibility: 'public' | 'private' | 'friend';
  is_entry: boolean;
  is_view: boolean;
  generic_type_params: { constraints: string[] }[];
  params: string[];
  return: string[];
}

/** A module as `GET /v1/accounts/{address}/module/{name}` returns it. */
export interface MoveModuleResponse {
  bytecode: string;
  abi: {
    address: string;
    name: string;
    friends: string[];
    exposed_functions: MoveFunctionAbi[];
    structs: unknown[];
  };
}

const STRING = '0x1::string::String';
const REGISTER_BLOB_PARAMS = [STRING, 'u64', 'vector<u8>', 'u32', 'u64', 'u8', 'u8'];
const REGISTER_MULTIPLE_PARAMS = [
  `vector<${STRING}>`,
  'u64',
  'vector<vector<u8>>',
  'vector<u32>',
  'vector<u64>',
  'u8',
  'u8',
];

function entry(name: string, params: string[]): MoveFunctionAbi {
  return {
    name,
    visibility: 'public',
    is_entry: true,
    is_view: false,
    generic_type_params: [],
    params,
    return: [],
  };
}

const BLOB_METADATA_FUNCTIONS: MoveFunctionAbi[] = [
  entry('register_blob', ['&signer', ...REGISTER_BLOB_PARAMS]),
  entry('register_multiple_blobs', ['&signer', ...REGISTER_MULTIPLE_PARAMS]),
  // Published so the SDK can build sponsored registrations; the localnet refuses them when submitted.
  entry('register_blob_with_sponsor', ['&signer', '&signer', ...REGISTER_BLOB_PARAMS]),
  entry('register_multiple_blobs_with_sponsor', [
    '&signer',
    '&signer',
    ...REGISTER_MULTIPLE_PARAMS,
  ]),
  {
    name: 'get_blob_metadata',
    visibility: 'public',
    is_entry: false,
    is_view: true,
    generic_type_params: [],
    params: [STRING],
    return: [`0x1::option::Option<${SHELBY_DEPLOYER}::${BLOB_MODULE}::BlobMetadata>`],
  },
];

const BLOB_METADATA_STRUCT = {
  name: 'BlobMetadata',
  is_native: false,
  is_event: false,
  abilities: ['copy', 'drop', 'store'],
  generic_type_params: [],
  fields: [
    { name: 'blob_commitment', type: 'vector<u8>' },
    { name: 'owner', type: 'address' },
    { name: 'blob_size', type: 'u64' },
    { name: 'num_chunksets', type: 'u32' },
    { name: 'encoding', type: `${SHELBY_DEPLOYER}::${BLOB_MODULE}::Encoding` },
    { name: 'expiration_micros', type: 'u64' },
    { name: 'creation_micros', type: 'u64' },
    { name: 'slice', type: `0x1::object::Object<${SHELBY_DEPLOYER}::slice::Slice>` },
    { name: 'is_written', type: 'bool' },
  ],
};

const PRIMARY_FUNGIBLE_STORE_FUNCTIONS: MoveFunctionAbi[] = [
  {
    name: 'balance',
    visibility: 'public',
    is_entry: false,
    is_view: true,
    generic_type_params: [{ constraints: ['key'] }],
    params: ['address', '0x1::object::Object<T0>'],
    return: ['u64'],
  },
];

/** Shelby's `blob_metadata` module, published at {@link SHELBY_DEPLOYER}. */
export const BLOB_METADATA_MODULE: MoveModuleResponse = {
  bytecode: '0x00',
  abi: {
    address: SHELBY_DEPLOYER,
    name: BLOB_MODULE,
    friends: [],
    exposed_functions: BLOB_METADATA_FUNCTIONS,
    structs: [BLOB_METADATA_STRUCT],
  },
};

/** The part of `0x1::primary_fungible_store` that balance views need. */
export const PRIMARY_FUNGIBLE_STORE_MODULE: MoveModuleResponse = {
  bytecode: '0x00',
  abi: {
    address: '0x1',
    name: 'primary_fungible_store',
    friends: [],
    exposed_functions: PRIMARY_FUNGIBLE_STORE_FUNCTIONS,
    structs: [],
  },
};

/** Modules by `<long address>::<name>`. */
const MODULES = new Map<string, MoveModuleResponse>([
  [`${SHELBY_DEPLOYER}::${BLOB_MODULE}`, BLOB_METADATA_MODULE],
  [
    '0x0000000000000000000000000000000000000000000000000000000000000001::primary_fungible_store',
    PRIMARY_FUNGIBLE_STORE_MODULE,
  ],
]);

/** The module published at `address` (long form) under `name`, if any. */
export function findModule(address: string, name: string): MoveModuleResponse | undefined {
  return MODULES.get(`${address}::${name}`);
}

/** The ABI of `address::module::fn` (long-form address), if published. */
export function findFunction(
  address: string,
  moduleName: string,
  functionName: string,
): MoveFunctionAbi | undefined {
  return findModule(address, moduleName)?.abi.exposed_functions.find(
    (f) => f.name === functionName,
  );
}

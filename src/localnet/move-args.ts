import { AccountAddress, Deserializer, Hex } from '@aptos-labs/ts-sdk';

/**
 * Decoding of BCS-encoded Move arguments into the JSON form the Aptos REST API uses: integers
 * wider than 32 bits and addresses as strings, `vector<u8>` as `0x` hex, other vectors as arrays.
 */

/** A Move value in Aptos JSON form. */
export type MoveJson = string | number | boolean | MoveJson[] | { [key: string]: MoveJson };

/** Thrown when argument bytes do not match the ABI type. */
export class MoveArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoveArgumentError';
  }
}

function decodeValue(deserializer: Deserializer, type: string): MoveJson {
  switch (type) {
    case 'bool':
      return deserializer.deserializeBool();
    case 'u8':
      return deserializer.deserializeU8();
    case 'u16':
      return deserializer.deserializeU16();
    case 'u32':
      return deserializer.deserializeU32();
    case 'u64':
      return deserializer.deserializeU64().toString();
    case 'u128':
      return deserializer.deserializeU128().toString();
    case 'u256':
      return deserializer.deserializeU256().toString();
    case 'address':
      return AccountAddress.deserialize(deserializer).toStringLong();
    case '0x1::string::String':
      return deserializer.deserializeStr();
    case 'vector<u8>':
      return Hex.fromHexInput(deserializer.deserializeBytes()).toString();
  }
  const vector = /^vector<(.+)>$/.exec(type);
  if (vector) {
    const length = deserializer.deserializeUleb128AsU32();
    const items: MoveJson[] = [];
    for (let i = 0; i < length; i += 1) items.push(decodeValue(deserializer, vector[1]));
    return items;
  }
  // Objects travel as the address of the object.
  if (/^0x0*1::object::Object<.+>$/.test(type)) {
    return AccountAddress.deserialize(deserializer).toStringLong();
  }
  throw new MoveArgumentError(`Argument type ${type} is not supported by the localnet`);
}

/** Decodes one argument's BCS bytes as `type`, refusing short or trailing bytes. */
export function decodeMoveArgument(bytes: Uint8Array, type: string): MoveJson {
  const deserializer = new Deserializer(bytes);
  let value: MoveJson;
  try {
    value = decodeValue(deserializer, type);
  } catch (error) {
    if (error instanceof MoveArgumentError) throw error;
    throw new MoveArgumentError(`Argument bytes do not decode as ${type}: ${String(error)}`);
  }
  if (deserializer.remaining() !== 0) {
    throw new MoveArgumentError(
      `Argument of type ${type} has ${deserializer.remaining()} extra bytes`,
    );
  }
  return value;
}

/** Decodes every argument against the ABI parameters, skipping leading signer parameters. */
export function decodeMoveArguments(args: Uint8Array[], params: string[]): MoveJson[] {
  const types = params.filter((p) => p !== '&signer' && p !== 'signer');
  if (args.length !== types.length) {
    throw new MoveArgumentError(`Expected ${types.length} arguments, got ${args.length}`);
  }
  return args.map((bytes, i) => decodeMoveArgument(bytes, types[i]));
}

import { executeRegistration, type RegistrationContext } from '../../src/localnet/registration';
import type { BlobRecord } from '../../src/localnet/ledger';
import { resolvePricing, storageCost } from '../../src/localnet/pricing';

const owner = `0x${'0b'.repeat(32)}`;
const root = `0x${'cd'.repeat(32)}`;
const now = 1_000_000_000;
const MIB = 1024 * 1024;

function context(
  overrides: Partial<RegistrationContext> = {},
  existing: BlobRecord[] = [],
): RegistrationContext {
  return {
    sender: owner,
    shelbyusd: 1_000_000n,
    nowMicros: now,
    findBlob: (o, name) => existing.find((b) => b.owner === o && b.name === name),
    pricing: resolvePricing(),
    maxGasAmount: 200_000n,
    txHash: '0x01',
    version: 1,
    ...overrides,
  };
}

/** Arguments of register_multiple_blobs as the ABI decodes them. */
function many(blobs: { name: string; size: number; chunksets?: number }[], expiration = now + 1) {
  return [
    blobs.map((b) => b.name),
    String(expiration),
    blobs.map(() => root),
    blobs.map((b) => b.chunksets ?? Math.max(1, Math.ceil(b.size / (10 * MIB)))),
    blobs.map((b) => String(b.size)),
    0,
    0,
  ];
}

describe('localnet blob registration', () => {
  test('charges storage per blob plus per started MiB, and gas per transaction plus per blob', () => {
    const pricing = resolvePricing();
    expect(storageCost(pricing, 0)).toBe(1000n);
    expect(storageCost(pricing, 1)).toBe(11000n);
    expect(storageCost(pricing, MIB)).toBe(11000n);
    expect(storageCost(pricing, MIB + 1)).toBe(21000n);
    const outcome = executeRegistration(
      many([
        { name: 'a', size: 0 },
        { name: 'b', size: MIB + 1 },
      ]),
      true,
      context(),
    );
    expect(outcome).toMatchObject({
      success: true,
      gasUsed: 600n,
      storageFee: 22000n,
      blobNames: ['a', 'b'],
    });
    expect(outcome.blobs.map((b) => [b.name, b.creationMicros, b.isWritten])).toEqual([
      ['a', now, false],
      ['b', now, false],
    ]);
  });

  test.each([
    ['a live name already registered', many([{ name: 'taken', size: 1 }]), 'EALREADY_EXISTS'],
    [
      'the same name twice in one call',
      many([
        { name: 'x', size: 1 },
        { name: 'x', size: 1 },
      ]),
      'EALREADY_EXISTS',
    ],
    [
      'a wrong chunkset count',
      many([{ name: 'c', size: 1, chunksets: 2 }]),
      'E_INVALID_CHUNKSET_COUNT',
    ],
    ['an expiration in the past', many([{ name: 'p', size: 1 }], now), 'E_INVALID_EXPIRATION_TIME'],
    [
      'a name over 1024 characters',
      many([{ name: 'n'.repeat(1025), size: 1 }]),
      'E_BLOB_NAME_TOO_LONG',
    ],
  ])('aborts the whole call on %s', (_case, args, abort) => {
    const taken: BlobRecord = {
      owner,
      name: 'taken',
      root,
      size: 1,
      numChunksets: 1,
      encoding: 0,
      paymentTier: 0,
      expirationMicros: now + 10,
      creationMicros: 1,
      txHash: '0x00',
      version: 0,
      isWritten: true,
    };
    const outcome = executeRegistration([...args], true, context({}, [taken]));
    expect(outcome.success).toBe(false);
    expect(outcome.vmStatus).toContain(abort);
    expect(outcome.blobs).toEqual([]);
    expect(outcome.storageFee).toBe(0n);
  });

  test('lets an expired name be registered again', () => {
    const expired = { owner, name: 'old', expirationMicros: now - 1 } as BlobRecord;
    const outcome = executeRegistration(
      many([{ name: 'old', size: 1 }]),
      true,
      context({}, [expired]),
    );
    expect(outcome.success).toBe(true);
  });

  test('aborts with E_INSUFFICIENT_FUNDS when ShelbyUSD does not cover storage', () => {
    const outcome = executeRegistration(
      many([{ name: 'a', size: 1 }]),
      true,
      context({ shelbyusd: 10_999n }),
    );
    expect(outcome.vmStatus).toMatch(
      /^Move abort in 0x[0-9a-f]{64}::blob_metadata: E_INSUFFICIENT_FUNDS/,
    );
    expect(outcome.gasUsed).toBe(550n);
  });

  test('runs out of gas when the blobs need more than the maximum', () => {
    const blobs = Array.from({ length: 10 }, (_, i) => ({ name: `b${i}`, size: 1 }));
    const outcome = executeRegistration(many(blobs), true, context({ maxGasAmount: 900n }));
    expect(outcome).toMatchObject({ success: false, vmStatus: 'Out of gas', gasUsed: 900n });
  });
});

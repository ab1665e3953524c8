import type * as ShelbySdk from '@shelby-protocol/sdk/node' with { 'resolution-mode': 'import' };

/** The ESM Shelby SDK module, as seen from this CommonJS package. */
export type ShelbySdkModule = typeof ShelbySdk;

let loading: Promise<ShelbySdkModule> | undefined;

/**
 * Loads the ESM-only Shelby SDK once per process. tsc keeps this `import()` as a real dynamic
 * import in CommonJS output, which is the only way CommonJS code can reach an ESM package.
 */
export function loadShelbySdk(): Promise<ShelbySdkModule> {
  loading ??= import('@shelby-protocol/sdk/node');
  return loading;
}

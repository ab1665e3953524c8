/**
 * Loads the Shelby SDK, which ships as ES modules only; `import()` keeps this file CommonJS.
 */
export type ShelbySdk = typeof import('@shelby-protocol/sdk/node', {
  with: { 'resolution-mode': 'import' },
});
export type AptosSdk = typeof import('@aptos-labs/ts-sdk');

let sdk: Promise<ShelbySdk> | undefined;

/** The Shelby SDK module, loaded once per process. */
export function loadShelbySdk(): Promise<ShelbySdk> {
  sdk ??= import('@shelby-protocol/sdk/node');
  return sdk;
}

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { transformFileSync } from '@swc/core';

import { startLocalnet, type Localnet, type LocalnetOptions } from '../../src/localnet/server';
import type { SdkStep, SdkStepResult } from './localnet-sdk-steps';

/**
 * Test harness for the localnet: an in-process localnet on an ephemeral port over a temporary
 * home, and a child process that drives the unmodified Shelby SDK against it.
 */

/** A localnet started for a test, with its home folder. */
export interface TestLocalnet {
  home: string;
  localnet: Localnet;
  url: string;
  /** Credits base units to `address`. */
  fund(address: string, apt: number | bigint, shelbyusd: number | bigint): Promise<void>;
  /** GETs an admin or API path as JSON. */
  get<T>(route: string): Promise<T>;
  /** Closes the localnet and starts a new one over the same home (on a new port). */
  restart(): Promise<void>;
  /** Closes the localnet and deletes its home. */
  cleanup(): Promise<void>;
}

/** Starts a localnet in a fresh temporary folder, on a free port. */
export async function startTestLocalnet(
  options: Omit<LocalnetOptions, 'home' | 'port'> = {},
): Promise<TestLocalnet> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-localnet-test-'));
  let localnet = await startLocalnet({ ...options, home, port: 0 });
  const harness: TestLocalnet = {
    home,
    localnet,
    url: localnet.url,
    async fund(address, apt, shelbyusd) {
      const response = await fetch(`${harness.url}/localnet/fund`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ address, apt: apt.toString(), shelbyusd: shelbyusd.toString() }),
      });
      if (!response.ok) throw new Error(`fund failed: ${response.status} ${await response.text()}`);
    },
    async get<T>(route: string) {
      const response = await fetch(`${harness.url}${route}`);
      return (await response.json()) as T;
    },
    async restart() {
      await localnet.close();
      localnet = await startLocalnet({ ...options, home, port: 0 });
      harness.localnet = localnet;
      harness.url = localnet.url;
    },
    async cleanup() {
      await localnet.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  return harness;
}

let compiled: string | undefined;

/**
 * Compiles localnet-sdk-steps.ts to an ES module in a temporary folder whose `node_modules`
 * points at the project's, so the child resolves the SDKs exactly as the product does.
 */
function compiledSteps(): string {
  if (compiled && fs.existsSync(compiled)) return compiled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelby-localnet-sdk-'));
  fs.symlinkSync(
    path.resolve(__dirname, '..', '..', 'node_modules'),
    path.join(dir, 'node_modules'),
    'dir',
  );
  const { code } = transformFileSync(path.join(__dirname, 'localnet-sdk-steps.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: false,
    swcrc: false,
  });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  compiled = path.join(dir, 'localnet-sdk-steps.mjs');
  fs.writeFileSync(compiled, code);
  return compiled;
}

/** Runs `steps` with the Shelby SDK in a child process; `keys` maps aliases to private keys. */
export async function runSdkSteps(
  url: string,
  keys: Record<string, string>,
  steps: SdkStep[],
): Promise<SdkStepResult[]> {
  const script = compiledSteps();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [script, JSON.stringify({ url, steps })],
      {
        env: { ...process.env, LOCALNET_TEST_KEYS: JSON.stringify(keys) },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 110_000,
      },
      (error, out, err) =>
        error ? reject(new Error(`SDK steps failed: ${error.message}\n${err}`)) : resolve(out),
    );
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as SdkStepResult[];
}

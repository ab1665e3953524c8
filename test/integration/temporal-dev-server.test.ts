import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';

import { connectClient, ensureTemporal, isTemporalReachable } from '../../src/temporal/connection';
import { devServerPaths, devServerStatus, stopDevServer } from '../../src/temporal/dev-server';
import { SearchAttributeConflictError, TemporalUnreachableError } from '../../src/temporal/errors';
import { ensureSearchAttributes } from '../../src/temporal/register-search-attributes';
import { testTemporalAddress } from '../helpers/temporal-env';
import { freePort } from '../helpers/temporal-test-server';

describe('embedded dev server', () => {
  let stateDir: string;
  beforeEach(() => (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-server-'))));
  afterEach(async () => {
    await stopDevServer(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts when nothing answers, is reused by the next command, and keeps workflows across a restart', async () => {
    const port = await freePort();
    const settings = { address: `127.0.0.1:${port}`, namespace: 'shelby-test' };

    const first = await ensureTemporal(settings, stateDir, { autoStart: true });
    expect(first).toEqual({ started: true, uiUrl: `http://127.0.0.1:${port + 1000}` });
    const second = await ensureTemporal(settings, stateDir, { autoStart: true });
    expect(second).toEqual({ started: false, uiUrl: first.uiUrl });

    const status = await devServerStatus(stateDir, settings.address);
    expect(status).toMatchObject({ running: true, reachable: true, address: settings.address });
    expect(fs.readFileSync(devServerPaths(stateDir).pid, 'utf8').trim()).toBe(String(status.pid));
    const ui = await fetch(first.uiUrl!);
    expect(ui.ok).toBe(true);

    // A workflow started now must still be there after a stop and a start: state is on disk.
    const client = await connectClient(settings);
    await client.workflow.start('neverPolled', {
      taskQueue: 'nobody',
      workflowId: 'survives-restart',
    });
    await client.connection.close();

    expect(await stopDevServer(stateDir)).toBe(true);
    expect(await isTemporalReachable(settings.address)).toBe(false);
    expect(await devServerStatus(stateDir, settings.address)).toMatchObject({
      running: false,
      reachable: false,
    });
    expect(await stopDevServer(stateDir)).toBe(false);

    expect(await ensureTemporal(settings, stateDir, { autoStart: true })).toMatchObject({
      started: true,
    });
    const again = await connectClient(settings);
    const described = await again.workflow.getHandle('survives-restart').describe();
    expect(described.status.name).toBe('RUNNING');
    await again.connection.close();
  });

  it('creates a namespace named in the config after the server started', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    await ensureTemporal({ address, namespace: 'first' }, stateDir, { autoStart: true });

    const later = { address, namespace: 'named-later' };
    expect(await ensureTemporal(later, stateDir, { autoStart: true })).toMatchObject({
      started: false,
    });
    const client = await connectClient(later);
    const handle = await client.workflow.start('neverPolled', {
      taskQueue: 'nobody',
      workflowId: 'in-new-namespace',
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await client.connection.close();
  });

  it('says what to do instead of starting one when auto-start is off', async () => {
    const settings = { address: `127.0.0.1:${await freePort()}`, namespace: 'default' };
    await expect(ensureTemporal(settings, stateDir, { autoStart: false })).rejects.toThrow(
      TemporalUnreachableError,
    );
    expect(fs.existsSync(devServerPaths(stateDir).pid)).toBe(false);
  });
});

describe('ensureSearchAttributes', () => {
  let connection: Connection;
  beforeAll(
    async () => (connection = await Connection.connect({ address: testTemporalAddress() })),
  );
  afterAll(async () => connection?.close());

  const newNamespace = async (): Promise<string> => {
    const namespace = `sa-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    return namespace;
  };

  it('registers the missing attributes once and is idempotent after', async () => {
    const namespace = await newNamespace();
    const added = await ensureSearchAttributes(connection, namespace);
    expect(added.sort()).toEqual(['ShelbyBatchStatus', 'ShelbyFilesDone', 'ShelbyNetwork']);
    expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    expect(listed.customAttributes?.ShelbyFilesDone).toBe(
      encodeSearchAttributeIndexedValueType(SearchAttributeType.INT),
    );
  });

  it('survives several workers registering at the same time', async () => {
    const namespace = await newNamespace();
    await Promise.all([1, 2, 3].map(() => ensureSearchAttributes(connection, namespace)));
    expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);
  });

  it('refuses an attribute that exists with another type', async () => {
    const namespace = await newNamespace();
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: {
        ShelbyFilesDone: encodeSearchAttributeIndexedValueType(SearchAttributeType.KEYWORD)!,
      },
    });
    await expect(ensureSearchAttributes(connection, namespace)).rejects.toThrow(
      SearchAttributeConflictError,
    );
  });
});

import * as path from 'node:path';

import { createSandbox, writeTree, type Sandbox } from '../helpers/cli';
import { executionIs, ledgerFacts, runWorkerUntil, startLocalnet } from './faults-helpers';

jest.setTimeout(600_000);

interface ScheduleRow {
  name: string;
  paused: boolean;
  next?: string;
  recent: string[];
}

describe('recurring uploads', () => {
  let sandbox: Sandbox;
  // Schedules live in the shared dev server's namespace: a name of this sandbox's own.
  let name: string;

  beforeAll(async () => {
    sandbox = await createSandbox();
    name = `t${path.basename(sandbox.dir).replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);
    await startLocalnet(sandbox);
  });

  afterAll(async () => {
    await sandbox.run(['schedule', 'delete', name]);
    await sandbox.cleanup();
  });

  async function rows(): Promise<ScheduleRow[]> {
    const list = await sandbox.run(['schedule', 'list', '--json']);
    expect(list.code).toBe(0);
    return (JSON.parse(list.stdout) as ScheduleRow[]).filter((row) => row.name === name);
  }

  test('a bad cron expression or interval is refused with exit 2, naming the option', async () => {
    const source = path.join(sandbox.dir, 'bad');
    writeTree(source, { 'a.txt': 'a\n' });
    const create = (...options: string[]) =>
      sandbox.run(['schedule', 'create', '--name', name, source, ...options]);
    const cron = await create('--cron', '99 * * * *');
    expect(cron.code).toBe(2);
    expect(cron.stderr).toMatch(/^shelby-batch: --cron "99 \* \* \* \*": /);
    const every = await create('--every', 'often');
    expect(every.code).toBe(2);
    expect(every.stderr).toMatch(/--every: /);
    const tooOften = await create('--every', '1s');
    expect([tooOften.code, tooOften.stderr]).toEqual([
      2,
      expect.stringMatching(/shorter than a minute/),
    ]);
    const tooShort = await create('--every', '1d', '--expires-in', '30m');
    expect([tooShort.code, tooShort.stderr]).toEqual([
      2,
      expect.stringMatching(/--expires-in: 30m is less than an hour/),
    ]);
    expect(await rows()).toEqual([]);
    const unknown = await sandbox.run(['schedule', 'trigger', `${name}x`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no such schedule/);
  });

  test('create, pause, trigger: each run is a batch under its dated prefix, uploaded once', async () => {
    const source = path.join(sandbox.dir, 'nightly');
    writeTree(source, { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
    const created = await sandbox.run([
      'schedule',
      'create',
      '--name',
      name,
      source,
      '--every',
      '1d',
      '--prefix',
      'nightly/{date}/',
    ]);
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await rows()).toEqual([expect.objectContaining({ paused: false, recent: [] })]);
    expect((await sandbox.run(['schedule', 'pause', name])).code).toBe(0);
    expect(await rows()).toEqual([expect.objectContaining({ paused: true })]);
    expect((await sandbox.run(['schedule', 'unpause', name])).code).toBe(0);

    expect((await sandbox.run(['schedule', 'trigger', name])).code).toBe(0);
    await runWorkerUntil(
      sandbox,
      async () => {
        const [row] = await rows();
        return row !== undefined && row.recent.length > 0 && executionIs(sandbox, row.recent[0]);
      },
      'the triggered run to complete',
    );
    const facts = await ledgerFacts(sandbox, 'nightly/');
    const names = [...facts.registrations.keys()].sort();
    expect(names).toHaveLength(2);
    // `{date}` became the run's date.
    for (const registered of names) expect(registered).toMatch(/^nightly\/\d{4}-\d{2}-\d{2}\//);
    for (const count of facts.registrations.values()) expect(count).toBe(1);

    expect((await sandbox.run(['schedule', 'delete', name])).code).toBe(0);
    expect(await rows()).toEqual([]);
  });
});

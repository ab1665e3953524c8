import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  isOurProcess,
  readPidFile,
  runningPid,
  spawnDetached,
  stopRecordedProcess,
  withLockFile,
} from '../../src/temporal/background-process';

describe('background processes', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'background-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sleeper = ['-e', 'setTimeout(() => {}, 60000)', 'sleeper-marker'];

  it('records the pid, recognises the process and stops it by pid', async () => {
    const pidFile = path.join(dir, 'x.pid');
    const child = spawnDetached({
      command: process.execPath,
      args: sleeper,
      logFile: path.join(dir, 'x.log'),
      pidFile,
      detached: false,
    });
    expect(readPidFile(pidFile)).toBe(child.pid);
    expect(runningPid(pidFile, 'sleeper-marker')).toBe(child.pid);
    expect(isOurProcess(child.pid, 'some-other-program')).toBe(false);

    expect(await stopRecordedProcess(pidFile, 'sleeper-marker')).toBe(true);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(await stopRecordedProcess(pidFile, 'sleeper-marker')).toBe(false);
  });

  it('never signals a recorded pid that now belongs to another program', async () => {
    const stranger = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const pidFile = path.join(dir, 'stale.pid');
    fs.writeFileSync(pidFile, `${stranger.pid}\n`);
    try {
      expect(await stopRecordedProcess(pidFile, 'sleeper-marker')).toBe(false);
      expect(stranger.exitCode).toBeNull();
      expect(fs.existsSync(pidFile)).toBe(false);
    } finally {
      stranger.kill();
    }
  });

  it('treats a missing or garbled pid file as nothing running', () => {
    expect(runningPid(path.join(dir, 'none.pid'), 'x')).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'bad.pid'), 'not a pid');
    expect(readPidFile(path.join(dir, 'bad.pid'))).toBeUndefined();
  });

  it('serialises holders of a lock file and takes over a dead holder’s lock', async () => {
    const lock = path.join(dir, 'start.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withLockFile(lock, 5_000, async () => {
        order.push(`${name}+`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        order.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(order.join(' ')).toMatch(/^(a\+ a- b\+ b-|b\+ b- a\+ a-)$/);

    fs.writeFileSync(lock, '999999999\n');
    await expect(withLockFile(lock, 1_000, async () => 'taken over')).resolves.toBe('taken over');
    expect(fs.existsSync(lock)).toBe(false);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { RpcUploadCheckpoint } from '../../src/shelby/rpc-upload';
import { latestCheckpoint, UploadCheckpointStore } from '../../src/shelby/upload-checkpoints';

function point(uploadId: string, partsDone: number): RpcUploadCheckpoint {
  return {
    uploadId,
    partsDone,
    partSize: 5 * 1024 * 1024,
    account: `0x${'1'.repeat(64)}`,
    blobName: 'a/b.bin',
    size: 100 * 1024 * 1024,
  };
}

describe('UploadCheckpointStore', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoints-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('keeps the last checkpoint recorded per key, in order, and removes it', async () => {
    const store = new UploadCheckpointStore(path.join(dir, 'uploads'));
    for (let i = 1; i <= 20; i += 1) store.record('7', point('u1', i));
    store.record('8', point('u2', 1));
    await store.flush();
    expect(store.read('7')).toEqual(point('u1', 20));
    expect(new UploadCheckpointStore(path.join(dir, 'uploads')).read('8')).toEqual(point('u2', 1));
    store.record('7', point('u1', 21));
    await store.remove('7');
    expect(store.read('7')).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, 'uploads'))).toEqual(['8.json']);
  });

  test('a failed write is reported, never thrown', async () => {
    const errors: unknown[] = [];
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, '');
    const store = new UploadCheckpointStore(path.join(blocker, 'uploads'), (e) => errors.push(e));
    store.record('1', point('u', 1));
    await store.flush();
    expect(errors).toHaveLength(1);
    expect(store.read('1')).toBeUndefined();
  });

  test('refuses keys that could leave the folder', () => {
    const store = new UploadCheckpointStore(dir);
    expect(() => store.record('../x', point('u', 1))).toThrow(/invalid checkpoint key/);
    expect(() => store.read('..')).not.toThrow();
  });

  test('an unreadable file reads as no checkpoint', () => {
    fs.writeFileSync(path.join(dir, '3.json'), '{"uploadId":');
    expect(new UploadCheckpointStore(dir).read('3')).toBeUndefined();
  });
});

describe('latestCheckpoint', () => {
  test.each([
    [undefined, undefined, undefined],
    [point('a', 3), undefined, point('a', 3)],
    [undefined, point('a', 3), point('a', 3)],
    [point('a', 3), point('a', 5), point('a', 5)],
    [point('a', 6), point('a', 5), point('a', 6)],
    [point('a', 6), point('b', 1), point('b', 1)],
  ])('heartbeat %j, disk %j → %j', (heartbeat, disk, expected) => {
    expect(latestCheckpoint(heartbeat, disk)).toEqual(expected);
  });
});

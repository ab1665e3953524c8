import type { LocalnetInterceptor } from '../../src/localnet/server';
import { startTestLocalnet, type TestLocalnet } from '../helpers/localnet-harness';

/** The seam that fault injection plugs into: every request passes through one interceptor. */
describe('localnet interceptor', () => {
  let net: TestLocalnet;
  const seen: string[] = [];
  const address = `0x${'5e'.repeat(32)}`;

  const interceptor: LocalnetInterceptor = async (request, next) => {
    seen.push(request.route);
    if (request.route === 'fullnode.estimateGasPrice') {
      return { status: 429, headers: { 'retry-after': '2' }, json: { message: 'slow down' } };
    }
    if (request.route === 'admin.fund' && request.query.get('fault') === 'stored-then-500') {
      await next();
      return { status: 500, json: { message: 'lost the answer' } };
    }
    if (request.route === 'fullnode.account' && request.params.address === 'cut') {
      request.outgoing.destroy();
      return undefined;
    }
    return next();
  };

  beforeAll(async () => {
    net = await startTestLocalnet({ interceptor });
  });

  afterAll(async () => {
    await net.cleanup();
  });

  test('sees each request under its route name and can answer in the handler’s place', async () => {
    const response = await fetch(`${net.url}/v1/estimate_gas_price`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(seen).toContain('fullnode.estimateGasPrice');
  });

  test('can let the handler act and then report a failure', async () => {
    const response = await fetch(`${net.url}/localnet/fund?fault=stored-then-500`, {
      method: 'POST',
      body: JSON.stringify({ address, apt: 10, shelbyusd: 0 }),
    });
    expect(response.status).toBe(500);
    const accounts = await net.get<{ accounts: { address: string; apt: string }[] }>(
      '/localnet/accounts',
    );
    expect(accounts.accounts).toContainEqual(expect.objectContaining({ address, apt: '10' }));
  });

  test('can cut the connection', async () => {
    await expect(fetch(`${net.url}/v1/accounts/cut`)).rejects.toThrow();
  });
});

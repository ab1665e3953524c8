import * as http from 'node:http';
import * as https from 'node:https';

/** An HTTP answer whose body is read on demand, as with `fetch`. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text(): Promise<string>;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * Sends one request with Node's own HTTP client. Unlike `fetch`, which copies every buffer it
 * sends, it writes `body` to the socket as it is, so a part in flight costs its own bytes only.
 * Rejects, like `fetch`, when no answer arrives (the error carries the socket's `code`).
 */
export function httpSend(
  url: URL,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Buffer;
    signal: AbortSignal;
  },
): Promise<HttpAnswer> {
  const client = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
  const headers = { ...init.headers, 'content-length': String(body?.length ?? 0) };
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      { method: init.method, headers, agent, signal: init.signal },
      (response) => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [value]) answerHeaders.append(name, one);
        }
        // The body is read at once (answers are small), so the socket goes back to the pool.
        const text = new Promise<string>((done, failed) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
          response.on('error', failed);
          response.on('aborted', () => failed(new Error('the answer was cut off')));
        });
        text.catch(() => undefined);
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, text: () => text });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

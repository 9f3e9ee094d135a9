// A pass-through HTTP proxy in front of moto that records every request the function sends: the benchmark counts
// them, the Data API tests read the SQL. It changes nothing on the way, unless a hook refuses a request.
import { createServer, request } from 'http';
import { AddressInfo } from 'net';

export interface RecordedRequest {
  /** The action: X-Amz-Target's last part (Secrets Manager) or the path (RDS Data API's REST calls). */
  readonly action: string;
  readonly body: string;
}

export interface RecordingProxy {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  close(): void;
}

/** An error answer of another type than BadRequestException: its HTTP status, error type and message. */
export interface ErrorAnswer { readonly status: number; readonly errorType: string; readonly message: string }

/** An answer given in the service's place (a query's result moto cannot compute): HTTP 200 with this JSON body. */
export interface ResultAnswer { readonly result: unknown }

/**
 * Sees each request before it goes on; a string answers it instead with a 400 BadRequestException carrying that
 * message (how AWS JSON APIs report a refused request), an ErrorAnswer with that error, a ResultAnswer with that
 * result. A promise holds the request back until it settles (a slow answer, for tests about what the function sends
 * meanwhile).
 */
export type RequestHook = (action: string, body: string) => string | ErrorAnswer | ResultAnswer | undefined | Promise<string | undefined>;

export async function recordingProxy(target: string, hook?: RequestHook): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = req.headers['x-amz-target'];
      const recorded = { action: amzTarget ? String(amzTarget).split('.').pop()! : String(req.url).replace(/^\//, ''), body: body.toString('utf8') };
      requests.push(recorded);
      const answer = (refusal: string | ErrorAnswer | ResultAnswer | undefined) => {
        if (refusal !== undefined && typeof refusal === 'object' && 'result' in refusal) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(refusal.result));
          return;
        }
        if (refusal !== undefined) {
          const error = typeof refusal === 'string' ? { status: 400, errorType: 'BadRequestException', message: refusal } : refusal;
          res.writeHead(error.status, { 'content-type': 'application/json', 'x-amzn-errortype': error.errorType });
          res.end(JSON.stringify({ message: error.message }));
          return;
        }
        const forwarded = { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers };
        const forward = request(forwarded, upstreamAnswer => {
          res.writeHead(upstreamAnswer.statusCode ?? 502, upstreamAnswer.headers);
          upstreamAnswer.pipe(res);
        });
        forward.end(body);
      };
      const refusal = hook?.(recorded.action, recorded.body);
      if (refusal instanceof Promise) void refusal.then(answer);
      else answer(refusal);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

// Does an S3 endpoint answer at all? One unsigned HEAD request, for the one failure
// that never reaches the network: a request the SDK cannot sign (no credentials)
// fails at once, whether the endpoint is up or down, and a line that blames only the
// credentials would hide a dead endpoint.

import * as http from 'node:http';
import * as https from 'node:https';

import { systemErrorCode } from './errors.js';

export type EndpointAnswer =
  | { kind: 'answered' } // any HTTP answer, even an error status
  | { kind: 'refused'; code: string } // the connection failed (ECONNREFUSED, ENOTFOUND, ...)
  | { kind: 'silent'; afterMs: number }; // connected, or tried to, and heard nothing

/** Sends HEAD / to endpoint and says how it answered within timeoutMs. Never rejects. */
export function probeEndpoint(endpoint: string, timeoutMs: number): Promise<EndpointAnswer> {
  return new Promise((resolve) => {
    let request: http.ClientRequest;
    try {
      const url = new URL(endpoint);
      const get = url.protocol === 'https:' ? https.request : http.request;
      request = get(url, { method: 'HEAD', agent: false, timeout: timeoutMs });
    } catch (error) {
      resolve({ kind: 'refused', code: systemErrorCode(error) ?? (error instanceof Error ? error.message : String(error)) });
      return;
    }
    const settle = (answer: EndpointAnswer) => {
      request.destroy();
      resolve(answer);
    };
    request.on('response', (response) => {
      response.resume();
      settle({ kind: 'answered' });
    });
    request.on('timeout', () => settle({ kind: 'silent', afterMs: timeoutMs }));
    request.on('error', (error) => settle({ kind: 'refused', code: systemErrorCode(error) ?? error.message }));
    request.end();
  });
}

// A check of an S3 endpoint the user named, before the machine boots: does anything
// answer a TCP connection there? A script pointed at a dead endpoint then fails at
// once with one line, instead of running its program against a backend whose every
// request fails after its timeout. Only the connection is tried (no request, no
// credentials): what S3 answers is the backend's business.
import net from 'node:net';

const PROBE_TIMEOUT_MS = 3_000;

/** Why nothing can be reached at `endpoint` (a URL), or undefined when a connection opens. */
export async function endpointProblem(endpoint: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'not a URL (such as http://127.0.0.1:9000)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} is not http: or https:`;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`nothing answered within ${timeoutMs / 1000} s`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => done(`nothing answers (${e.code ?? e.message})`));
  });
}

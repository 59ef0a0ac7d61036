/** What a service answered: its status and its JSON body (or a console-made error body). */
export interface ServiceAnswer {
  status: number;
  body: unknown;
}

const TIMEOUT_MS = 15_000;
/** A service answer larger than this is refused: the console's pages never need more. */
const MAX_ANSWER_BYTES = 5 * 1024 * 1024;

/**
 * Calls one service's /v1 API with the signed-in user's key, so the service decides what the
 * user may see and do. A service that does not answer becomes a 502/504 with a message a
 * person can act on; the key is never part of a message.
 */
export async function callService(
  baseUrl: string,
  name: string,
  key: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  json?: unknown,
): Promise<ServiceAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (json !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1${path}`, {
      method,
      headers,
      body: json !== undefined ? JSON.stringify(json) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return timedOut
      ? problem(504, 'Gateway Timeout', `${name} did not answer within ${TIMEOUT_MS / 1000} s; try again, and check its /health/ready`)
      : problem(502, 'Bad Gateway', `${name} is not reachable at ${baseUrl}; is it running?`);
  }
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_ANSWER_BYTES)
    return problem(502, 'Bad Gateway', `${name} answered more than ${MAX_ANSWER_BYTES} bytes; narrow the request`);
  if (text === '') return { status: response.status, body: null };
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return problem(502, 'Bad Gateway', `${name} answered ${response.status} with a body that is not JSON`);
  }
}

export function problem(status: number, error: string, message: string): ServiceAnswer {
  return { status, body: { statusCode: status, error, message } };
}

import { IncomingMessage, Server, ServerResponse, createServer, request } from 'node:http';

type FailingStatus = 429 | 500;

/** One e-mail the sink accepted (one personalization of a request it answered 202), by its custom_args. */
export interface AcceptedEmail {
  at: number;
  eventId?: string;
  orderId?: string;
  lineId?: string;
  resendOf?: string;
}

/**
 * An HTTP gate in front of the sendgrid-sink that answers 500 or 429 for a period of time,
 * the way SendGrid does during an outage or when it throttles. The sink's own fault injector
 * fails the next N requests; an outage is measured in seconds, not requests, and the gate
 * leaves no queued faults behind when the period ends. It also keeps the ledger of accepted
 * e-mails, so the checker need not download every stored message (with its request body) from the sink.
 */
export class SinkGate {
  private failing?: { status: FailingStatus; until: number };
  refused = 0;
  readonly accepted: AcceptedEmail[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(sinkUrl: string): Promise<SinkGate> {
    // eslint-disable-next-line prefer-const -- the handler reads it before it is assigned (once the server listens)
    let gate: SinkGate | undefined;
    const server = createServer((req, res) => gate?.handle(req, res, new URL(sinkUrl)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the sink gate has no TCP port');
    gate = new SinkGate(server, `http://127.0.0.1:${address.port}`);
    return gate;
  }

  failFor(status: FailingStatus, ms: number): void {
    this.failing = { status, until: Date.now() + ms };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, sink: URL): void {
    const failing = this.failing && Date.now() < this.failing.until ? this.failing : undefined;
    if (failing && req.url?.startsWith('/v3/mail/send')) {
      this.refused += 1;
      req.resume();
      const body = JSON.stringify({ errors: [{ message: failing.status === 429 ? 'too many requests' : 'internal server error', field: null, help: null }] });
      res.writeHead(failing.status, { 'content-type': 'application/json', ...(failing.status === 429 ? { 'retry-after': '1' } : {}) });
      res.end(body);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = request({ host: sink.hostname, port: sink.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (answer.statusCode === 202 && req.url?.startsWith('/v3/mail/send')) this.accepted.push(...acceptedEmails(body));
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  }
}

function acceptedEmails(body: Buffer): AcceptedEmail[] {
  const at = Date.now();
  const request = JSON.parse(body.toString('utf8')) as { custom_args?: Record<string, string>; personalizations: { custom_args?: Record<string, string> }[] };
  return request.personalizations.map((p) => {
    const args = { ...request.custom_args, ...p.custom_args };
    return { at, eventId: args['keypool_event_id'], orderId: args['keypool_order_id'], lineId: args['keypool_line_id'], resendOf: args['keypool_resend_of'] };
  });
}

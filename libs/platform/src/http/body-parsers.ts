import { HttpException, type INestApplication } from '@nestjs/common';
import { json, urlencoded, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

const streamedJsonRoutes: RegExp[] = [];

/**
 * Declares a route whose JSON body its handler reads as a stream (a large upload): the
 * platform's JSON parser, which reads bodies whole and caps them at 100 kB, leaves it alone.
 * Call it where the controller is defined, so it is in place before any app starts.
 */
export function streamJsonBodiesOf(path: RegExp): void {
  streamedJsonRoutes.push(path);
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Nest's own body parsing (JSON up to 100 kB, URL-encoded forms), minus the streamed routes. */
export function useBodyParsers(app: INestApplication): void {
  const streamed = (request: Request) => {
    const path = (request.originalUrl ?? request.url).split('?')[0];
    return streamedJsonRoutes.some((route) => route.test(path));
  };
  app.use(
    explained(json({ limit: '100kb', type: (request) => JSON_TYPE.test(String(request.headers['content-type'] ?? '')) && !streamed(request as Request) })),
  );
  app.use(explained(urlencoded({ extended: true, limit: '100kb' })));
}

/** The parsers' own errors (a 4xx with a terse message) become answers that say what to fix. */
function explained(parser: RequestHandler): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) =>
    parser(request, response, (error?: unknown) => next(error === undefined ? undefined : describeParserError(error)));
}

function describeParserError(error: unknown): unknown {
  const e = error as { status?: unknown; expose?: unknown; type?: unknown; limit?: unknown; message?: unknown };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500 || e.expose !== true) return error;
  if (e.type === 'entity.too.large') {
    const limit = typeof e.limit === 'number' ? ` of ${Math.round(e.limit / 1024)} kB` : '';
    return new HttpException(`The request body is over the limit${limit} for this endpoint; send less`, e.status);
  }
  if (e.type === 'entity.parse.failed') return new HttpException(`The request body is not valid JSON: ${String(e.message)}`, e.status);
  return new HttpException(String(e.message), e.status);
}

import type { Params } from 'nestjs-pino';

/**
 * License values are secrets: any field that may carry one is redacted at the logger,
 * so a careless `logger.info({ event })` still cannot leak a key.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  '*.value',
  '*.licenses',
  '*.parentLicenses',
  '*.data.licenses',
  '*.data.parentLicenses',
  'licenses',
  'parentLicenses',
  'value',
];

export function loggerParams(serviceName: string, level: string): Params {
  return {
    pinoHttp: {
      level,
      base: { service: serviceName },
      redact: { paths: REDACTED_PATHS, censor: '[secret]' },
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
      serializers: {
        req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, url: req.url }),
      },
    },
  };
}

import type { Params } from 'nestjs-pino';
import pino from 'pino';

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

/**
 * The one logger configuration of every keypool process: JSON lines with the service's name and
 * the redaction above. The HTTP logger and every plain logger (messaging, tools) start from it.
 */
export function loggerOptions(serviceName: string, level: string, base: Record<string, string> = {}): pino.LoggerOptions {
  return { level, base: { service: serviceName, ...base }, redact: { paths: REDACTED_PATHS, censor: '[secret]' } };
}

/** A plain logger with the house configuration, for code outside Nest's request cycle. */
export function createLogger(serviceName: string, level: string, base: Record<string, string> = {}): pino.Logger {
  return pino(loggerOptions(serviceName, level, base));
}

/**
 * The service's plain loggers, one per component, all made by createLogger with the service's
 * name and LOG_LEVEL. PlatformModule provides it, so a library module (messaging, retention) asks
 * for a logger instead of building one.
 */
export class ServiceLoggers {
  constructor(
    readonly serviceName: string,
    readonly level: string,
  ) {}

  forComponent(component: string): pino.Logger {
    return createLogger(this.serviceName, this.level, { component });
  }
}

export function loggerParams(serviceName: string, level: string): Params {
  return {
    pinoHttp: {
      ...loggerOptions(serviceName, level),
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
      serializers: {
        req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, url: req.url }),
      },
    },
  };
}

import { Writable } from 'node:stream';
import pino from 'pino';
import { ServiceLoggers, loggerOptions } from './logger';

describe('ServiceLoggers', () => {
  it('gives each component a logger with the house configuration: service name, level and redaction', () => {
    const logger = new ServiceLoggers('pool-service', 'warn').forComponent('messaging');
    expect(logger.level).toBe('warn');
    expect(logger.bindings()).toMatchObject({ service: 'pool-service', component: 'messaging' });
  });

  it('redacts license values like every other house logger', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    pino(loggerOptions('pool-service', 'info', { component: 'messaging' }), sink).info({ event: { data: { licenses: ['SECRET-KEY'] } } }, 'x');
    expect(lines.join('')).not.toContain('SECRET-KEY');
    expect(lines.join('')).toContain('[secret]');
  });
});

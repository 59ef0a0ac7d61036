import { randomBytes } from 'node:crypto';
import pino, { Logger } from 'pino';
import { SecretBox } from '@keypool/platform';

export function testCipher(): SecretBox {
  return SecretBox.fromSpec(`test:${randomBytes(32).toString('base64')}`);
}

export function testLogger(): Logger {
  return pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
}

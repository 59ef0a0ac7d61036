import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { topicEnvVars } from '@keypool/contracts';
import { ConsoleProcess, uniqueName } from '@keypool/testing';
import { RunningSystem, startSystem } from './system';

/** The whole system, the console as its own process in front of it, and Debian's Chromium. */
export interface ConsoleSystem {
  system: RunningSystem;
  consoleApp: ConsoleProcess;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * Starts the three services (real broker and PostgreSQL, e-mail through the sink), the console
 * as the demo runs it (the services' keys, broker and topics), and a headless Chromium.
 * `label` names the databases, topics and the log folder under .cache/e2e-logs.
 */
export async function startConsoleSystem(label: string): Promise<ConsoleSystem> {
  const logDir = join(__dirname, '../../.cache/e2e-logs', uniqueName(label));
  mkdirSync(logDir, { recursive: true });
  const system = await startSystem(label.replace(/-/g, '_'));
  const poolEnv = system.env['pool-service'];
  let consoleApp: ConsoleProcess | undefined;
  try {
    consoleApp = await ConsoleProcess.start(
      {
        POOL_URL: system.pool.url,
        FULFILLMENT_URL: system.fulfillment.url,
        NOTIFICATION_URL: system.notification.url,
        API_KEYS: poolEnv['API_KEYS'],
        KAFKA_BROKERS: poolEnv['KAFKA_BROKERS'],
        ...Object.fromEntries(Object.values(topicEnvVars).map((name) => [name, poolEnv[name]])),
      },
      logDir,
    );
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const started = consoleApp;
    return {
      system,
      consoleApp: started,
      browser,
      stop: async () => {
        await browser.close();
        await started.stop();
        await system.stop();
      },
    };
  } catch (error) {
    await consoleApp?.stop();
    await system.stop();
    throw error;
  }
}

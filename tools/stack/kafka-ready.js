#!/usr/bin/env node
/*
 * Wait until a Kafka cluster really answers, using the same client the services
 * use (kafkajs), so "ready" means "ready for us", not merely "port open":
 * a KRaft broker accepts TCP connections well before it has a leader and
 * metadata to serve.
 *
 *   node tools/stack/kafka-ready.js [--brokers host:port,...] [--timeout 90] [--warm]
 *
 * Brokers default to $KAFKA_BROKERS, then 127.0.0.1:${KAFKA_PORT:-9092}.
 * Exit 0 when ready, 1 on timeout. With --pid N it gives up early if that
 * process dies (a broker that fails to start should not cost 90 s).
 *
 * --secure connects with the KAFKA_SSL* and KAFKA_SASL_* settings of the environment, through
 * the services' own kafkaSecurity() (for a cluster named by KAFKA_BROKERS that wants TLS or SASL).
 *
 * --warm additionally makes the broker create __consumer_offsets and its
 * producer-id block. A fresh broker does both lazily, so the first consumer
 * group and the first idempotent producer otherwise get (retried, harmless,
 * but ERROR-logged and slower) "coordinator is loading/not available" errors,
 * which makes the first test run after `stack:up` look flaky.
 */
'use strict';

const { Kafka, logLevel } = require('kafkajs');

function parseArgs(argv) {
  const opts = {
    brokers: process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`,
    timeoutSec: 90,
    pid: undefined,
    quiet: false,
    warm: false,
    secure: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--brokers') opts.brokers = argv[++i];
    else if (arg === '--timeout') opts.timeoutSec = Number(argv[++i]);
    else if (arg === '--pid') opts.pid = Number(argv[++i]);
    else if (arg === '--quiet') opts.quiet = true;
    else if (arg === '--warm') opts.warm = true;
    else if (arg === '--secure') opts.secure = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isFinite(opts.timeoutSec) || opts.timeoutSec <= 0) throw new Error('--timeout must be > 0');
  opts.brokers = opts.brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return opts;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

let security = {};

/** The services' own mapping, loaded from TypeScript only when asked for: plain runs stay fast. */
function securityFromEnv() {
  require('@swc-node/register');
  return require('../../libs/messaging/src/kafka/kafka-security').kafkaSecurity(process.env);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(brokers) {
  // A fresh client per attempt: kafkajs caches a failed connection's state,
  // and its own retry/backoff would blur our overall deadline.
  const kafka = new Kafka({
    clientId: 'keypool-stack-ready',
    brokers,
    ...security,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    // Connection-refused is the expected state while we wait; don't spam.
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    // listTopics goes through a Metadata request, which fails until the
    // broker has caught up with the KRaft metadata log.
    const topics = await admin.listTopics();
    return { cluster, topics };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function warm(brokers) {
  const kafka = new Kafka({
    clientId: 'keypool-stack-warmup',
    brokers,
    ...security,
    logLevel: logLevel.NOTHING,
    // kafkajs' default backoff; ~10 retries comfortably covers coordinator load.
    retry: { retries: 10 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // FindCoordinator for any group triggers creation of __consumer_offsets
    // and waits (via retries) until its coordinator is loaded.
    await admin.describeGroups(['keypool-stack-warmup']);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  // An idempotent producer's connect() issues InitProducerId, which makes the
  // broker fetch its first producer-id block from the KRaft controller.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.disconnect();
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.secure) security = securityFromEnv();
  const deadline = Date.now() + opts.timeoutSec * 1000;
  let lastError;
  while (Date.now() < deadline) {
    if (opts.pid !== undefined && !processAlive(opts.pid)) {
      console.error(`[kafka-ready] broker process ${opts.pid} exited before becoming ready`);
      process.exit(1);
    }
    try {
      const { cluster, topics } = await probe(opts.brokers);
      if (opts.warm) await warm(opts.brokers);
      if (!opts.quiet) {
        const nodes = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(', ');
        console.log(
          `[kafka-ready] ${opts.brokers.join(',')} ready: cluster ${cluster.clusterId}, ` +
            `brokers [${nodes}], controller ${cluster.controller}, ${topics.length} topic(s)`,
        );
      }
      return;
    } catch (err) {
      lastError = err;
      await sleep(500);
    }
  }
  console.error(
    `[kafka-ready] ${opts.brokers.join(',')} not ready after ${opts.timeoutSec}s: ` +
      `${lastError ? `${lastError.name}: ${lastError.message}` : 'no attempt finished'}`,
  );
  process.exit(1);
}

main().catch((err) => {
  console.error(`[kafka-ready] ${err.message}`);
  process.exit(1);
});

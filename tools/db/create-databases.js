#!/usr/bin/env node
/*
 * Create the project's PostgreSQL databases if they do not exist yet.
 *
 *   node tools/db/create-databases.js                 # the six keypool DBs
 *   node tools/db/create-databases.js my_db other_db  # only these
 *
 * Admin connection: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 *
 * Idempotent and safe to run from several processes at once (e.g. parallel
 * CI jobs or jest workers): PostgreSQL has no CREATE DATABASE IF NOT EXISTS,
 * so we check first and still tolerate losing the race afterwards.
 */
'use strict';

const { Client } = require('pg');

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const SERVICES = ['pool', 'fulfillment', 'notification'];
const DEFAULT_DATABASES = [...SERVICES.map((s) => `keypool_${s}`), ...SERVICES.map((s) => `keypool_${s}_test`)];

// duplicate_database: the normal "someone else created it first" outcome.
const DUPLICATE_DATABASE = '42P04';
// unique_violation on pg_database_datname_index: what a *concurrent* CREATE
// DATABASE of the same name reports instead of 42P04 when both pass the check.
const UNIQUE_VIOLATION = '23505';
// object_in_use: "source database template1 is being accessed by other users";
// transient whenever anything briefly connects to template1, so retry it.
const OBJECT_IN_USE = '55006';

// Names are interpolated into DDL (identifiers cannot be bind parameters), so
// restrict them to plain identifiers rather than trusting quoting alone.
const VALID_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Create each database in `names` that does not exist yet.
 * @param {string} [adminUrl] connection string of a role allowed to CREATE DATABASE
 * @param {string[]} [names] database names
 * @returns {Promise<{created: string[], existing: string[]}>}
 */
async function createDatabases(adminUrl = process.env.PG_ADMIN_URL || DEFAULT_ADMIN_URL, names = DEFAULT_DATABASES) {
  for (const name of names) {
    if (!VALID_NAME.test(name)) {
      throw new Error(`invalid database name ${JSON.stringify(name)} (expected ${VALID_NAME})`);
    }
  }

  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  const created = [];
  const existing = [];
  try {
    for (const name of names) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount > 0) {
        existing.push(name);
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
          created.push(name);
          break;
        } catch (err) {
          if (err.code === DUPLICATE_DATABASE || err.code === UNIQUE_VIOLATION) {
            existing.push(name);
            break;
          }
          if (err.code === OBJECT_IN_USE && attempt < 10) {
            await sleep(200 * attempt);
            continue;
          }
          throw err;
        }
      }
    }
  } finally {
    await client.end();
  }
  return { created, existing };
}

/** Print the URL without its password, if any. */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable PG_ADMIN_URL>';
  }
}

async function main() {
  const adminUrl = process.env.PG_ADMIN_URL || DEFAULT_ADMIN_URL;
  const names = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_DATABASES;
  const { created, existing } = await createDatabases(adminUrl, names);
  console.log(
    `[db] ${redact(adminUrl)}: created ${created.length ? created.join(', ') : 'none'}; ` + `already present ${existing.length ? existing.join(', ') : 'none'}`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    // pg errors carry a 5-char SQLSTATE; socket errors carry e.g. ECONNREFUSED.
    const detail = err.code ? ` (${/^[0-9A-Z]{5}$/.test(err.code) ? 'SQLSTATE ' : ''}${err.code})` : '';
    console.error(`[db] failed: ${err.message}${detail}`);
    process.exit(1);
  });
}

module.exports = { createDatabases, DEFAULT_DATABASES, DEFAULT_ADMIN_URL };

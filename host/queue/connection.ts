// The queue's Redis connection: parsing and checking the URL, redacting its password from
// every message, and reaching the server with bounded retries so that an unreachable Redis
// is a clear error within seconds, never a hang. Node only (ioredis needs node:net/tls).

import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { ArgumentError } from '../errors.js';

/** How long a first connection may take before the server counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * A failure to reach or use the queue's Redis. `url` is the redacted URL; the message
 * never carries the password. Exit code 1 from a CLI.
 */
export class QueueConnectionError extends Error {
  readonly code = 'ERR_SOCKET_KERNEL_QUEUE_UNREACHABLE';
  readonly url: string;
  constructor(url: string, message: string) {
    super(message);
    this.name = 'QueueConnectionError';
    this.url = url;
  }
}

/** A queue URL, checked: `redis://[[user]:password@]host[:port][/db]` or `rediss://` (TLS). */
export interface QueueUrl {
  /** The URL as given: holds the password. Never print it; print `redacted`. */
  readonly href: string;
  /** The URL with the password replaced by `***`: for every message and error. */
  readonly redacted: string;
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
}

const SECRET_MASK = '***';

/**
 * `url` with its password (and, without a password, a lone user name, which Redis
 * before ACLs took as the password) replaced by `***`. A string that does not parse as
 * a URL is replaced whole: it might be a password typed in the wrong place.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try { u = new URL(url); } catch { return '<invalid URL>'; }
  if (u.password) u.password = SECRET_MASK;
  else if (u.username) u.username = SECRET_MASK;
  return u.href;
}

/** `text` with every occurrence of the URL's secrets (and the raw URL) masked. */
export function redactText(text: string, url: QueueUrl): string {
  let out = text.split(url.href).join(url.redacted);
  for (const secret of [url.password, url.password && encodeURIComponent(url.password)]) {
    if (secret) out = out.split(secret).join(SECRET_MASK);
  }
  return out;
}

/** Checks a queue URL at the door (ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE). */
export function parseQueueUrl(url: unknown): QueueUrl {
  if (typeof url !== 'string') {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"queue" must be a redis:// or rediss:// URL. Received ${typeof url}`);
  }
  let u: URL;
  try { u = new URL(url); } catch {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"queue" must be a redis:// or rediss:// URL. Received ${redactUrl(url)}`);
  }
  const redacted = redactUrl(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"queue" must be a redis:// or rediss:// URL. Received ${redacted}`);
  }
  if (!u.hostname) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"queue" must name a host. Received ${redacted}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 0xffff) {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"queue" database must be an integer (redis://host:port/DB). Received ${redacted}`);
  }
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  return {
    href: url, redacted, tls: u.protocol === 'rediss:',
    host: u.hostname.replace(/^\[|\]$/g, ''), port, db,
    // Redis before ACLs (and `requirepass`) take `redis://:password@` and also
    // `redis://password@`; ioredis sends a lone user name as the password, so do we.
    username: password !== undefined ? username : undefined,
    password: password ?? username,
  };
}

export type ConnectionRole = 'probe' | 'client' | 'worker';

/**
 * ioredis options for one role. Every role has a connect timeout and no offline queue
 * (a command while disconnected fails at once instead of waiting). `probe` connects
 * once and gives up; `client` (the sweep's side) retries a few times (about 4 s: long enough for a restart) and
 * then fails the sweep; `worker` reconnects forever with backoff, as a long-running
 * worker should, and has BullMQ's required `maxRetriesPerRequest: null` for its
 * blocking reads.
 */
export function redisOptions(url: QueueUrl, role: ConnectionRole): RedisOptions {
  const base: RedisOptions = {
    host: url.host, port: url.port, db: url.db, username: url.username, password: url.password,
    // rediss://: TLS with Node's default CA store; NODE_EXTRA_CA_CERTS adds a private CA.
    tls: url.tls ? (isIP(url.host) ? {} : { servername: url.host }) : undefined, // no SNI for an IP (RFC 6066 3)
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    lazyConnect: role === 'probe',
  };
  switch (role) {
    case 'probe': return { ...base, maxRetriesPerRequest: 0, commandTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null };
    case 'client': return {
      ...base, maxRetriesPerRequest: null,
      retryStrategy: (times: number) => (times > 6 ? null : Math.min(200 * times, 1000)), // ~4 s in all
    };
    case 'worker': return {
      ...base, maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(500 * times, 5000),
    };
  }
}

/**
 * Connects once to check that the server is there, answers and accepts the credentials;
 * rejects with a QueueConnectionError naming the redacted URL and the reason within
 * about CONNECT_TIMEOUT_MS.
 */
export async function probe(url: QueueUrl): Promise<void> {
  const client = new Redis(redisOptions(url, 'probe'));
  let lastError: Error | undefined;
  client.on('error', (err: Error) => { lastError = err; });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    let reason = (lastError ?? (err as Error)).message;
    if (url.tls && /certificate|self.signed/i.test(reason)) {
      reason += ' (a server certificate from a private CA needs NODE_EXTRA_CA_CERTS=ca.pem)';
    }
    throw new QueueConnectionError(url.redacted,
      redactText(`cannot reach the queue's Redis at ${url.redacted}: ${reason}`, url));
  } finally {
    client.disconnect();
  }
}

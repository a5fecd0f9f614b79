import { SweepError } from './sweep_error.js';

/** Queue name when none is given; a sweep and its workers must agree on it. */
export const DEFAULT_QUEUE_NAME = 'reclaimsim';

/** BullMQ's connection options as reclaimsim gives them (typed here: bullmq is an optional peer dependency). */
export interface RedisConnection {
  url: string;
}

/** Where runs are queued: a Redis URL and a BullMQ queue name. */
export interface QueueTarget {
  url: string;
  name: string;
}

/** How long a sweep or a worker waits for Redis at start before it says it cannot reach it. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connection options from a `redis://[user:password@]host[:port][/db]` URL (`rediss://` for
 * TLS), checked here so a typo is a usage error rather than endless reconnecting. BullMQ
 * builds and owns its connections from these, so closing a queue closes them.
 */
export function queue_connection(url: string): RedisConnection {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed === null || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || !/^\/?\d*$/.test(parsed.pathname)) {
    throw new RangeError(`--queue ${redacted(url)}: expected redis://host:port (or rediss://, optionally /db)`);
  }
  return { url };
}

/** BullMQ keys contain the queue name between colons. */
export function check_queue_name(name: string): void {
  if (!/^[\w.-]+$/.test(name)) throw new RangeError(`queue name "${name}": letters, digits, ".", "_" or "-"`);
}

/** The URL with its password (and user) replaced, for messages and logs. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '' && parsed.username === '') return url;
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Errors that waiting will not cure: a wrong password, an unknown host. */
const FATAL_ERROR = /WRONGPASS|NOAUTH|invalid (username-)?password|ENOTFOUND|EAI_AGAIN|NOPERM|ERR AUTH/i;

/** A BullMQ client as waiting sees it. */
interface Connecting {
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Waits for BullMQ clients to connect, failing with the URL (password hidden) and Redis's
 * reason instead of retrying forever: at once for a reason waiting will not cure (a wrong
 * password, an unknown host), after CONNECT_TIMEOUT_MS for one it may (a server still
 * starting).
 */
export async function wait_connected(url: string, clients: readonly Connecting[], timeout_ms = CONNECT_TIMEOUT_MS): Promise<void> {
  let last = '';
  let fail = (_error: Error) => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const listener = (error: Error) => {
    last = error.message;
    if (FATAL_ERROR.test(error.message)) fail(new SweepError(`cannot use Redis at ${redacted(url)}: ${error.message}`));
  };
  for (const client of clients) client.on('error', listener);
  const timer = setTimeout(() => fail(new SweepError(`cannot reach Redis at ${redacted(url)}${last === '' ? '' : `: ${last}`} (waited ${timeout_ms / 1000} s)`)), timeout_ms);
  try {
    await Promise.race([Promise.all(clients.map((c) => c.waitUntilReady())), failed]);
  } finally {
    clearTimeout(timer);
    for (const client of clients) client.off('error', listener);
  }
}

/** Settles within `ms` whatever `promise` does: a close that waits on a dead server must not hang a command. */
export async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reports connection errors on stderr once each until they change, instead of crashing on them. */
export function redis_error_reporter(): (error: Error) => void {
  let last = '';
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    process.stderr.write(`reclaimsim: redis: ${error.message}\n`);
  };
}

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
const CONNECT_TIMEOUT_MS = 10_000;

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
    throw new RangeError(`--queue ${url}: expected redis://host:port (or rediss://, optionally /db)`);
  }
  return { url };
}

/** BullMQ keys contain the queue name between colons. */
export function check_queue_name(name: string): void {
  if (!/^[\w.-]+$/.test(name)) throw new RangeError(`queue name "${name}": letters, digits, ".", "_" or "-"`);
}

/** Waits for BullMQ clients to connect, failing with the URL instead of retrying forever. */
export async function wait_connected(url: string, clients: readonly { waitUntilReady(): Promise<unknown> }[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SweepError(`cannot reach Redis at ${url} (waited ${CONNECT_TIMEOUT_MS / 1000} s)`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all(clients.map((c) => c.waitUntilReady())), timeout]);
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

import { hostname } from 'node:os';
import { redacted } from './queue_connection.js';
import { SweepError } from './sweep_error.js';

/** How long the lock outlives a sweep that stopped renewing it (killed with -9). */
const LOCK_TTL_MS = 5_000;
const RENEW_MS = 1_500;
const RETRY_MS = 250;

/** The Redis access this lock needs: BullMQ's client (`queue.backend.client`) runs any command by name. */
export interface RedisCommands {
  runCommand(name: string, args: unknown[]): Promise<unknown>;
}

const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * One sweep coordinates a queue at a time: two would both enqueue, both wait and both record
 * every run. The lock is a Redis key set only if absent, with a short expiry that the sweep
 * renews while it runs, so a sweep killed with -9 frees the queue a few seconds later. A
 * second sweep waits that long for the key to expire, then is refused. Returns the release.
 */
export async function take_queue_lock(client: RedisCommands, url: string, queue_name: string): Promise<() => Promise<void>> {
  const key = `reclaimsim:${queue_name}:coordinator`;
  const owner = `sweep pid ${process.pid} on ${hostname()} since ${new Date().toISOString()}`;
  const deadline = performance.now() + LOCK_TTL_MS + RENEW_MS;
  while ((await client.runCommand('set', [key, owner, 'NX', 'PX', LOCK_TTL_MS])) !== 'OK') {
    if (performance.now() > deadline) {
      const holder = await client.runCommand('get', [key]);
      throw new SweepError(`queue ${queue_name} at ${redacted(url)} is coordinated by another sweep (${String(holder)}): wait for it to end, or give this one another --queue-name`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  const renewal = setInterval(() => {
    client.runCommand('eval', [RENEW, 1, key, owner, LOCK_TTL_MS]).catch(() => {});
  }, RENEW_MS);
  return async () => {
    clearInterval(renewal);
    await client.runCommand('eval', [RELEASE, 1, key, owner]).catch(() => {});
  };
}

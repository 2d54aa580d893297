// The HTTP side of --web.config.file, as exporter-toolkit's webHandler: the configured headers on every
// response, then, when users are configured, HTTP basic authentication against bcrypt hashes. A failed
// check answers 401 with `WWW-Authenticate: Basic`. bcrypt is slow on purpose, so outcomes are cached
// per (user, hash, password) in a small cache with random eviction, comparisons run one at a time, and
// an unknown user is checked against a fixed hash so that timing does not reveal which users exist.

import bcrypt from 'bcryptjs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Exclusive } from '../tsdb/exclusive.js';
import type { WebEdge } from './web-edge.js';

/** bcrypt of "fakepassword", compared for unknown users (exporter-toolkit's constant). */
const FAKE_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const CACHE_SIZE = 100;

export class BasicAuth {
  private readonly cache = new Map<string, boolean>();
  private readonly bcryptOneAtATime = new Exclusive();
  /** bcrypt comparisons run so far (the cache's effect is visible in tests). */
  comparisons = 0;

  /** Whether the Authorization header carries one of `users` and its password (the cache keys on the hash, so users may change). */
  async check(users: ReadonlyMap<string, string>, authorization: string | undefined): Promise<boolean> {
    const credentials = parseBasicAuth(authorization);
    if (credentials === undefined) return false;
    const { user, password } = credentials;
    const hash = users.get(user);
    const known = hash !== undefined;
    const compared = hash ?? FAKE_HASH;
    const key = `${hex(user)}:${hex(compared)}:${hex(password)}`;
    let ok = this.cache.get(key);
    if (ok === undefined) {
      const matches = await this.bcryptOneAtATime.run(() => {
        this.comparisons++;
        return bcrypt.compare(password, compared).catch(() => false);
      });
      ok = known && matches;
      this.remember(key, ok);
    }
    return ok && known;
  }

  private remember(key: string, ok: boolean): void {
    if (this.cache.size >= CACHE_SIZE) {
      // Drop about a tenth at random, so that eviction does not run on every request.
      const keys = [...this.cache.keys()];
      const drop = Math.max(1, Math.floor(keys.length / 10));
      for (let i = 0; i <= drop; i++) this.cache.delete(keys[Math.floor(Math.random() * keys.length)]!);
    }
    this.cache.set(key, ok);
  }
}

/** The onRequest hook: the configuration in force (re-read when changed), its headers, then the basic-auth check. */
export function webConfigHook(edge: WebEdge): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const auth = new BasicAuth();
  return async (request, reply) => {
    let config;
    try {
      config = edge.config();
    } catch (err) {
      request.log.error({ err: (err as Error).message }, 'Unable to parse configuration');
      await reply.code(500).header('X-Content-Type-Options', 'nosniff').type('text/plain; charset=utf-8').send('Internal Server Error\n');
      return;
    }
    for (const [name, value] of Object.entries(config.headers)) reply.header(name, value);
    if (config.users.size === 0 || (await auth.check(config.users, request.headers.authorization))) return;
    await reply
      .code(401)
      .header('WWW-Authenticate', 'Basic')
      .header('X-Content-Type-Options', 'nosniff')
      .type('text/plain; charset=utf-8')
      .send('Unauthorized\n');
  };
}

/** Go's Request.BasicAuth: "Basic " (any case), standard base64, user and password split at the first colon. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const encoded = header.slice(6);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // Header bytes are compared as bytes: keep them as UTF-8 text like the hash keys.
  const bytes = Buffer.from(decoded, 'latin1');
  return { user: bytes.subarray(0, colon).toString('utf8'), password: bytes.subarray(colon + 1).toString('utf8') };
}

function hex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

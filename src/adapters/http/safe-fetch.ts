/**
 * Fetches untrusted URLs without reaching private networks (SSRF): http/https only; every address a
 * connection goes to — after DNS resolution, on every redirect, at connect time so DNS rebinding cannot
 * slip through — must be public unless private addresses are explicitly allowed. Size, time and
 * redirects are bounded.
 */
import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { LoupeError, reasonOf } from '../../core/errors.js';

export interface SafeFetchOptions {
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

/** Why an address may not be fetched, or null when it is public. */
export function blockedReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

function guardedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: dns.LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      if (!allowPrivate)
        for (const a of list) {
          const reason = blockedReason(a.address);
          if (reason)
            return callback(
              Object.assign(new Error(`${hostname} resolves to ${reason}`), { code: 'ELOUPEBLOCKED' }),
              '',
            );
        }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

export function createSafeFetcher(o: SafeFetchOptions) {
  const agent = new Agent({ connect: { lookup: guardedLookup(o.allowPrivate) as never, timeout: o.timeoutMs } });

  /** @returns the body bytes. Throws UNSAFE_URL (refused), FETCH_FAILED (could not fetch) or FILE_TOO_LARGE. */
  return async function safeFetch(url: string): Promise<Buffer> {
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      throw new LoupeError('UNSAFE_URL', { url, reason: 'not a valid URL' });
    }
    const deadline = AbortSignal.timeout(o.timeoutMs);
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:')
        throw new LoupeError('UNSAFE_URL', { url: current.href, reason: 'only http and https URLs are fetched' });
      if (current.username || current.password)
        throw new LoupeError('UNSAFE_URL', { url: current.href, reason: 'URLs with credentials are not fetched' });
      const host = current.hostname.replace(/^\[|\]$/g, '');
      if (ipaddr.isValid(host) && !o.allowPrivate) {
        const reason = blockedReason(host);
        if (reason)
          throw new LoupeError('UNSAFE_URL', {
            url: current.href,
            reason: `${reason} (set LOUPE_ALLOW_PRIVATE_URLS=1 to allow)`,
          });
      }
      let res;
      try {
        res = await undiciFetch(current, { dispatcher: agent, redirect: 'manual', signal: deadline });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        if (cause?.code === 'ELOUPEBLOCKED')
          throw new LoupeError('UNSAFE_URL', {
            url: current.href,
            reason: `${cause.message} (set LOUPE_ALLOW_PRIVATE_URLS=1 to allow)`,
          });
        throw new LoupeError('FETCH_FAILED', { url: current.href, reason: reasonOf(cause ?? e) }, { cause: e });
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= o.maxRedirects)
          throw new LoupeError('FETCH_FAILED', { url, reason: `more than ${o.maxRedirects} redirects` });
        current = new URL(res.headers.get('location')!, current);
        continue;
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new LoupeError('FETCH_FAILED', { url: current.href, reason: `HTTP ${res.status}` });
      }
      const declared = Number(res.headers.get('content-length'));
      if (declared > o.maxBytes) {
        await res.body.cancel();
        throw new LoupeError('FILE_TOO_LARGE', { path: current.href, bytes: declared, limit: o.maxBytes });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += chunk.length;
          if (size > o.maxBytes)
            throw new LoupeError('FILE_TOO_LARGE', { path: current.href, bytes: size, limit: o.maxBytes });
          chunks.push(Buffer.from(chunk));
        }
      } catch (e) {
        if (e instanceof LoupeError) throw e;
        throw new LoupeError('FETCH_FAILED', { url: current.href, reason: reasonOf(e) }, { cause: e });
      }
      return Buffer.concat(chunks);
    }
  };
}

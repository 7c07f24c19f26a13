import { diagnosticChannel } from '../diagnostics/channels.ts'

/**
 * Published on the `quarry:diagnostic` channel when a cache operation fails or times out and quarry carried on
 * without it (a miss, a skipped store, a table bypassed until its invalidation is written). Never carries keys or
 * values: they may hold personal data.
 */
export interface CacheEvent {
  readonly kind: 'cache'
  /** The operation that failed: `get`, `set`, `invalidate`, `lock`, … */
  readonly op: string
  /** `error` (the store failed), `timeout` (no answer within `timeoutMs`), `recovered` (pending invalidations written). */
  readonly outcome: 'error' | 'timeout' | 'recovered'
  readonly message: string
  readonly error?: Error
  /** The cache's prefix, to tell caches apart. */
  readonly cache: string
}

export function publishCacheEvent(event: Omit<CacheEvent, 'kind'>): void {
  if (diagnosticChannel.hasSubscribers) diagnosticChannel.publish({ kind: 'cache', ...event })
}

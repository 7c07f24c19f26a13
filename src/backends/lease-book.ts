import { OperationalError } from '../errors.ts'

/** Who borrows a connection: what for, and (for long holders) where in the user's code. */
export interface LeaseOwner {
  readonly purpose: 'transaction' | 'iterator' | 'statement'
  /** The user's line that opened it (`src/feed.ts:14`), formatted only when an error names it. */
  readonly site?: (() => string | undefined) | undefined
}

/** Default bound on waiting for a connection, in ms (`pool.acquireTimeoutMs`). */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 5_000

const LABEL: Record<LeaseOwner['purpose'], [string, string]> = {
  transaction: ['db.atomic() transaction', 'db.atomic() transactions'],
  iterator: ['open iterator() loop', 'open iterator() loops'],
  statement: ['statement', 'statements'],
}

/**
 * The connections a backend has lent out and to whom, so that a wait that runs out can say what holds them: an
 * exhausted pool is almost always code that needs a second connection while holding one (a transaction per row
 * inside an `iterator()` loop), and the fix is in that code, not in a longer wait.
 */
export class LeaseBook {
  readonly #held = new Set<LeaseOwner>()

  get size(): number {
    return this.#held.size
  }

  /** Note a lease; the returned function ends it (idempotent). */
  hold(owner: LeaseOwner | undefined): () => void {
    const entry: LeaseOwner = owner ?? { purpose: 'transaction' }
    this.#held.add(entry)
    return () => {
      this.#held.delete(entry)
    }
  }

  /** "2 open iterator() loops (src/a.ts:3, src/a.ts:9) and 1 db.atomic() transaction". */
  describe(): string {
    const groups = new Map<LeaseOwner['purpose'], string[]>()
    for (const o of this.#held) {
      const list = groups.get(o.purpose) ?? []
      const site = o.site?.()
      if (site && list.length < 5) list.push(site)
      else list.push('')
      groups.set(o.purpose, list)
    }
    if (groups.size === 0) return 'statements outside transactions'
    return [...groups]
      .map(([purpose, sites]) => {
        const [one, many] = LABEL[purpose]
        const where = sites.filter(Boolean)
        return `${sites.length} ${sites.length === 1 ? one : many}${where.length ? ` (at ${where.join(', ')})` : ''}`
      })
      .join(' and ')
  }

  /** The error for a wait on a full pool that ran out. */
  exhausted(vendor: string, max: number, waitedMs: number): OperationalError {
    return new OperationalError(
      `No ${vendor} connection became free within ${waitedMs} ms: pool.max is ${max} and all are held by ${this.describe()}. ` +
        'Code that needs a second connection while holding one (a db.atomic() per row inside an iterator() loop, ' +
        'a query started outside a transaction and awaited inside one) can wait forever: restructure it, or raise ' +
        'pool.max / pool.acquireTimeoutMs in connect().',
      { vendorCode: 'POOL_TIMEOUT' },
    )
  }
}

/**
 * `p`, or a rejection with `timeout()` after `ms`. What `p` still delivers after the timeout is handed to `late`
 * (a connection given back), so nothing leaks.
 */
export function bounded<T>(p: Promise<T>, ms: number, timeout: () => Error, late: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false
    const timer = setTimeout(() => {
      expired = true
      reject(timeout())
    }, ms)
    p.then(
      (v) => {
        if (!expired) {
          clearTimeout(timer)
          resolve(v)
        } else late(v)
      },
      (e: unknown) => {
        if (expired) return
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}

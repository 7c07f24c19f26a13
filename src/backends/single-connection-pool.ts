import { OperationalError } from '../errors.ts'
import type { Connection, Lease } from './backend.ts'
import { DEFAULT_ACQUIRE_TIMEOUT_MS, LeaseBook, type LeaseOwner } from './lease-book.ts'

interface Waiter {
  readonly grant: () => void
  readonly fail: (e: Error) => void
  timer: NodeJS.Timeout | undefined
}

/**
 * The "pool" of a backend with one connection (SQLite). A transaction leases the connection exclusively: queries
 * from outside the transaction wait for it, so they never run inside someone else's transaction. The lease passes
 * straight to the next waiter, in order.
 *
 * Every wait is bounded (`acquireTimeoutMs`): a query started outside a transaction and awaited inside one (a
 * memoised promise, a DataLoader shared between requests) waits for a transaction that waits for it, and would
 * otherwise stall the process forever.
 */
export class SingleConnectionPool {
  readonly #conn: Connection
  readonly #timeoutMs: number
  readonly #book = new LeaseBook()
  #leased = false
  #waiters: Waiter[] = []
  #closed: Error | undefined

  constructor(conn: Connection, options: { acquireTimeoutMs?: number | undefined } = {}) {
    this.#conn = conn
    this.#timeoutMs = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS
  }

  /** The connection if no transaction holds it. */
  idle(): Connection | undefined {
    return this.#leased ? undefined : this.#conn
  }

  acquire(owner?: LeaseOwner): Promise<Lease> {
    if (this.#closed) return Promise.reject(this.#closed)
    if (!this.#leased) return Promise.resolve(this.#lease(owner))
    return new Promise<Lease>((resolve, reject) => {
      const w: Waiter = {
        grant: () => {
          clearTimeout(w.timer)
          resolve(this.#lease(owner))
        },
        fail: (e) => {
          clearTimeout(w.timer)
          reject(e)
        },
        timer: undefined,
      }
      w.timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        reject(this.#timeout())
      }, this.#timeoutMs)
      this.#waiters.push(w)
    })
  }

  #lease(owner: LeaseOwner | undefined): Lease {
    this.#leased = true
    const end = this.#book.hold(owner)
    let done = false
    return {
      conn: this.#conn,
      release: () => {
        if (done) return
        done = true
        end()
        const next = this.#waiters.shift()
        if (next) next.grant()
        else this.#leased = false
      },
    }
  }

  #timeout(): OperationalError {
    return new OperationalError(
      `Waited ${this.#timeoutMs} ms for the SQLite connection, held by ${this.#book.describe()}. A query started ` +
        'outside a transaction and awaited inside one (a memoised promise or a DataLoader shared between requests) ' +
        'waits for the transaction that waits for it: start the query inside the transaction, or await it before ' +
        'db.atomic(). If transactions are simply long, raise pool.acquireTimeoutMs in connect().',
      { vendorCode: 'POOL_TIMEOUT' },
    )
  }

  /** Run outside a transaction: immediately, unless a transaction holds the connection. */
  async run<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    if (!this.#leased) return fn(this.#conn)
    const lease = await this.acquire({ purpose: 'statement' })
    try {
      return await fn(lease.conn)
    } finally {
      lease.release()
    }
  }

  /** Fail every waiter now (the database is closing). */
  close(error: Error): void {
    this.#closed = error
    for (const w of this.#waiters.splice(0)) w.fail(error)
  }
}

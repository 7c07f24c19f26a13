import type { Connection, Lease } from './backend.ts'

/**
 * The "pool" of a backend with one connection (SQLite). A transaction leases the connection exclusively: queries
 * from outside the transaction wait for it, so they never run inside someone else's transaction.
 */
export class SingleConnectionPool {
  readonly #conn: Connection
  #leased = false
  #waiters: (() => void)[] = []

  constructor(conn: Connection) {
    this.#conn = conn
  }

  /** The connection if no transaction holds it. */
  idle(): Connection | undefined {
    return this.#leased ? undefined : this.#conn
  }

  async acquire(): Promise<Lease> {
    while (this.#leased) await new Promise<void>((r) => this.#waiters.push(r))
    this.#leased = true
    let done = false
    return {
      conn: this.#conn,
      release: () => {
        if (done) return
        done = true
        this.#leased = false
        this.#waiters.shift()?.()
      },
    }
  }

  /** Run outside a transaction: immediately, unless a transaction holds the connection. */
  async run<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    if (!this.#leased) return fn(this.#conn)
    const lease = await this.acquire()
    try {
      return await fn(lease.conn)
    } finally {
      lease.release()
    }
  }
}

import { AsyncLocalStorage } from 'node:async_hooks'
import type { Backend, Connection, Lease } from '../backends/backend.ts'
import type { StatementKind, TransactionInfo } from './interceptors.ts'

const TRANSACTION = { purpose: 'transaction' } as const

/** One open transaction: its connection, its savepoint counter and what runs after it commits. */
export interface TxState {
  readonly alias: string
  readonly lease: Lease
  savepoints: number
  /** Callbacks for after the outermost commit; a rolled-back savepoint truncates the list to its start. */
  readonly onCommit: OnCommitEntry[]
  /** What interceptors see of it (one object per transaction). */
  readonly info: TransactionInfo
}

/** A callback, or a value for a merged callback (see `TransactionInfo.onCommitMerged`). */
type OnCommitEntry = (() => unknown) | { readonly merge: (values: unknown[]) => unknown; readonly value: unknown }

/** What transactions need from the executor: a backend by alias and a way to run control statements. */
export interface TransactionHost {
  backend(alias: string): Backend
  exec(alias: string, sql: string, kind: StatementKind, conn?: Connection): Promise<void>
}

/**
 * The transactions open in the current async context, one per alias, and `atomic()` to open them. Everything
 * awaited inside `atomic`, however deep, runs on the transaction's connection.
 */
export class Transactions {
  readonly #store = new AsyncLocalStorage<ReadonlyMap<string, TxState>>()
  readonly #host: TransactionHost

  constructor(host: TransactionHost) {
    this.#host = host
  }

  /** The transaction open on `alias` in the current async context. */
  current(alias: string): TxState | undefined {
    return this.#store.getStore()?.get(alias)
  }

  /** The alias of a transaction open in this async context, if any (no allocation: on every read). */
  first(): string | undefined {
    const store = this.#store.getStore()
    if (store === undefined) return undefined
    for (const alias of store.keys()) return alias
    return undefined
  }

  /**
   * Run `fn` in a transaction on `alias`; nested calls become savepoints. Everything awaited inside, however
   * deep, uses the transaction's connection.
   */
  async atomic<T>(alias: string, fn: () => Promise<T> | T): Promise<T> {
    const current = this.current(alias)
    if (current) return this.#savepoint(current, fn)
    const host = this.#host
    const backend = host.backend(alias)
    let lease: Lease
    try {
      lease = await backend.acquire(TRANSACTION)
    } catch (e) {
      throw backend.translateError(e, undefined)
    }
    const onCommit: OnCommitEntry[] = []
    const info: TransactionInfo = {
      alias,
      onCommit: (cb) => void onCommit.push(cb),
      onCommitMerged: (merge, value) => void onCommit.push({ merge: merge as (values: unknown[]) => unknown, value }),
    }
    const tx: TxState = { alias, lease, savepoints: 0, onCommit, info }
    const store = new Map(this.#store.getStore() ?? [])
    store.set(alias, tx)
    let result: T
    try {
      await host.exec(alias, backend.beginSql(), 'transaction', lease.conn)
    } catch (e) {
      lease.release(true)
      throw e
    }
    try {
      result = await this.#store.run(store, fn)
      await host.exec(alias, 'COMMIT', 'transaction', lease.conn)
    } catch (e) {
      let broken = false
      try {
        await host.exec(alias, 'ROLLBACK', 'transaction', lease.conn)
      } catch {
        broken = true
      }
      lease.release(broken)
      throw e
    }
    lease.release()
    await runOnCommit(tx.onCommit)
    return result
  }

  async #savepoint<T>(tx: TxState, fn: () => Promise<T> | T): Promise<T> {
    const host = this.#host
    const name = `quarry_sp_${++tx.savepoints}`
    const callbacks = tx.onCommit.length
    const q = host.backend(tx.alias).ops.quote(name)
    await host.exec(tx.alias, `SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
    try {
      const r = await fn()
      await host.exec(tx.alias, `RELEASE SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
      return r
    } catch (e) {
      await host.exec(tx.alias, `ROLLBACK TO SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
      await host.exec(tx.alias, `RELEASE SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
      tx.onCommit.length = callbacks // callbacks of the rolled-back block never run
      throw e
    }
  }

  /** Run `cb` after the outermost transaction on `alias` commits, or now if there is none. */
  async onCommit(alias: string, cb: () => unknown): Promise<void> {
    const tx = this.current(alias)
    if (tx) tx.onCommit.push(cb)
    else await cb()
  }
}

/**
 * The callbacks of a committed transaction, in order. The values given to one `merge` function are handed to it in
 * one call, at the place of the first of them.
 */
async function runOnCommit(entries: readonly OnCommitEntry[]): Promise<void> {
  let merged: Map<(values: unknown[]) => unknown, unknown[]> | undefined
  for (const e of entries)
    if (typeof e !== 'function') {
      merged ??= new Map()
      const values = merged.get(e.merge)
      if (values) values.push(e.value)
      else merged.set(e.merge, [e.value])
    }
  for (const e of entries) {
    if (typeof e === 'function') await e()
    else {
      const values = merged!.get(e.merge)
      if (values === undefined) continue // already run with the first
      merged!.delete(e.merge)
      await e.merge(values)
    }
  }
}

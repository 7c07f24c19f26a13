import type { ModelInstance } from '../model/runtime.ts'
import type { QueryState } from '../sql/query-state.ts'
import type { Transactions } from './transactions.ts'

/** Chooses the database for a model's reads and writes. Returning `undefined` falls back to `default`. */
export interface Router {
  dbForRead?(model: string, hints: { instance?: ModelInstance }): string | undefined
  dbForWrite?(model: string, hints: { instance?: ModelInstance }): string | undefined
}

/**
 * Which database alias a statement goes to: an explicit `using()` first; a read inside an open transaction
 * stays on that transaction's database (it must see its own writes); then the user's router; then `default`.
 */
export class Routing {
  readonly #router: Router | undefined
  readonly #transactions: Transactions

  constructor(router: Router | undefined, transactions: Transactions) {
    this.#router = router
    this.#transactions = transactions
  }

  /** The alias to read `state` from. On every query: no allocation on the common paths. */
  read(state: QueryState): string {
    if (state.using) return state.using
    const open = this.#transactions.first()
    if (open !== undefined) return open
    return this.#router?.dbForRead?.(state.model.name, {}) ?? 'default'
  }

  /** The alias to write `state`'s rows to. */
  write(state: QueryState): string {
    return state.using ?? this.#router?.dbForWrite?.(state.model.name, {}) ?? 'default'
  }

  /** Where an instance loaded from `fallback` is saved or deleted. */
  writeInstance(model: string, instance: ModelInstance, fallback: string): string {
    return this.#router?.dbForWrite?.(model, { instance }) ?? fallback
  }

  /** Where `db.atomic()` opens its transaction without `using`. */
  atomic(): string {
    return this.#router?.dbForWrite?.('', {}) ?? 'default'
  }

  /** Where raw SQL without `using` runs: the open transaction's database, else `default`. */
  raw(): string {
    return this.#transactions.first() ?? 'default'
  }
}

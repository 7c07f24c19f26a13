import { hash, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { cacheScope } from '../engine/cache-scope.ts'
import type { Interceptor, Statement, StatementResult } from '../engine/interceptors.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import type { EpochColumn } from '../sql/compiled-query.ts'
import type { BaseCache } from './base-cache.ts'
import { ALL_TABLES, Generations } from './generations.ts'

interface Entry {
  /** This entry's id, also stored under the version key: a process that holds the entry decoded skips the body. */
  i: string
  /** Generations the rows were computed under, in the statement's table order. */
  g: string[]
  r: unknown[][]
}

// Each entry is two keys: `<key>` holds the rows (the body, ~1 MB for 1,000 posts with their text) and `<key>:v` the
// body's id. A read fetches the id with the generations in one round trip; the body only when this process has not
// decoded that id yet (then it is memoized). A hit on Redis then moves a few bytes, not the body, and a hit on the
// memory cache compares two short strings. The rows of a memoized entry are never handed out to user code (the
// query layer maps them into new instances), so rows of immutable cells are shared by every hit. Date cells
// (PostgreSQL and MySQL hand over Dates) are kept as epoch milliseconds and made into new Dates per hit: a caller
// that mutates one must not change what the next hit returns. The body and the id are written together; if two
// processes race, the id may name the other's body, which only makes the next reads fetch the body again: a hit is
// served only under the generations the entry records, whichever it is.
const MEMO_SIZE = 256
/** Bound on the memoized bodies' total length (UTF-16 code units of their stored text). */
const MEMO_CHARS = 64 * 1024 * 1024

/**
 * The query cache: an engine interceptor that answers SELECTs marked with `.cache()` from the cache, and turns
 * every write into generation bumps of the tables it touched.
 *
 * - A read inside a transaction bypasses the cache (it may see the transaction's own writes).
 * - A read fetches its entry's id and the generations of its tables in one round trip (the entry's body only
 *   when this process has not decoded that id yet); the entry is served only if it was stored under exactly
 *   those generations.
 * - A miss runs the query and stores the rows under the generations read BEFORE the query (the fence): if a
 *   write committed meanwhile, the stored entry is already stale by its own record and is never served.
 * - A write outside a transaction bumps after the statement; inside one, after the outermost commit (a
 *   rolled-back transaction or savepoint bumps nothing).
 * - A cache that fails or is slow costs at most `timeoutMs` and a `cache` diagnostics event; writes whose bump
 *   failed make their tables bypass the cache until the bump is written.
 */
export class QueryCache {
  readonly cache: BaseCache
  readonly generations: Generations
  readonly #dbIds: ReadonlyMap<string, string>
  /** Tables whose rows a delete on the key table may also remove or change (ON DELETE), transitively. */
  readonly #dependents = new Map<string, string[]>()
  readonly #memo = new LRUCache<string, Memo>({
    max: MEMO_SIZE,
    maxSize: MEMO_CHARS,
    sizeCalculation: (m) => m.chars,
  })
  /** After a failure, reads skip the cache for a moment instead of paying the timeout on every query. */
  #downUntil = 0

  constructor(cache: BaseCache, dbIds: ReadonlyMap<string, string>, models: readonly ModelMeta[]) {
    this.cache = cache
    this.generations = new Generations(cache)
    this.#dbIds = dbIds
    const direct = new Map<string, Set<string>>()
    for (const m of models)
      for (const f of m.concreteFields) {
        const target = (f as { targetMeta?: ModelMeta }).targetMeta
        if (!target) continue
        let s = direct.get(target.table)
        if (!s) direct.set(target.table, (s = new Set()))
        s.add(m.table)
      }
    for (const table of direct.keys()) {
      const seen = new Set<string>()
      const walk = (t: string) => {
        for (const d of direct.get(t) ?? []) if (!seen.has(d)) seen.add(d) && walk(d)
      }
      walk(table)
      this.#dependents.set(table, [...seen])
    }
  }

  /** The engine interceptor (`db.intercept()`); connect() installs it outermost. */
  readonly interceptor: Interceptor = (stmt, next) => {
    if (stmt.kind === 'select') {
      const hint = cacheScope.getStore()
      if (hint === undefined || stmt.returns !== 'rows' || stmt.transaction !== undefined) return next()
      return this.#read(stmt, hint.ttl, next)
    }
    const tables = this.#written(stmt)
    if (tables === null) return next()
    return this.#write(stmt, tables, next)
  }

  async #read(stmt: Statement, ttl: number | null | undefined, next: () => Promise<StatementResult>) {
    const ttlMs = this.cache.ttlMs(ttl)
    const tables = [...stmt.tables, ALL_TABLES]
    if (ttlMs === 0 || this.generations.blocked(tables) || performance.now() < this.#downUntil) return next()
    let key: string
    try {
      key = this.#key(stmt)
    } catch {
      return next() // a bound value the codec cannot key (never expected): just ask the database
    }
    const versionKey = `${key}:v`
    let gens: string[]
    let id: string | undefined
    try {
      const texts = await this.cache.bounded(
        'get',
        this.cache.readMany([versionKey, ...tables.map((t) => this.generations.key(t))]),
      )
      id = texts[0]
      gens = await this.cache.bounded('get', this.generations.complete(tables, texts.slice(1)))
    } catch (e) {
      this.#failed('get', e)
      return next()
    }
    if (id !== undefined) {
      const rows = await this.#hit(key, id, gens, stmt.epochColumns)
      if (rows) return rows
    }
    const rows = (await next()) as unknown[][]
    try {
      const entry: Entry = { i: randomUUID(), g: gens, r: rows }
      await this.cache.bounded(
        'set',
        Promise.all([
          this.cache.writeRaw(key, this.cache.encode(entry), ttlMs),
          this.cache.writeRaw(versionKey, entry.i, ttlMs),
        ]),
      )
    } catch (e) {
      this.#failed('set', e)
    }
    return rows
  }

  /** The rows of entry `id` if they are current under `gens`: from the memo, or fetched and decoded. */
  async #hit(
    key: string,
    id: string,
    gens: readonly string[],
    epoch: readonly EpochColumn[] | undefined,
  ): Promise<unknown[][] | undefined> {
    let memo = this.#memo.get(key)
    if (memo === undefined || memo.entry.i !== id) {
      let text: string | undefined
      try {
        text = await this.cache.bounded('get', this.cache.readRaw(key))
      } catch (e) {
        this.#failed('get', e)
        return undefined
      }
      if (text === undefined) return undefined
      memo = this.#remember(key, text, epoch)
      if (memo === undefined) return undefined
    }
    const g = memo.entry.g
    if (g.length !== gens.length) return undefined
    for (let i = 0; i < g.length; i++) if (g[i] !== gens[i]) return undefined
    return memo.dates === null ? memo.entry.r : withNewDates(memo.entry.r, memo.dates)
  }

  /** Decode a body, and memoize it when its rows can be shared (see `dateColumns`) and it fits the bounds. */
  #remember(key: string, text: string, epoch: readonly EpochColumn[] | undefined): Memo | undefined {
    let entry: Entry
    try {
      entry = this.cache.decode(text) as Entry
    } catch {
      return undefined
    }
    if (typeof entry?.i !== 'string' || !Array.isArray(entry.r)) return undefined // a body from an older version
    if (epoch !== undefined && !toEpochs(entry.r, epoch)) return undefined
    const dates = dateColumns(entry.r)
    const memo: Memo = { entry, dates: dates?.length ? dates : null, chars: text.length }
    if (dates === undefined || text.length > MEMO_CHARS / 4) return memo
    this.#memo.set(key, memo)
    return memo
  }

  async #write(stmt: Statement, tables: string[], next: () => Promise<StatementResult>) {
    const result = await next()
    // Inside a transaction: after the outermost commit, each table once however many statements wrote it. A
    // rolled-back transaction (or savepoint) drops its tables, so it invalidates nothing.
    if (stmt.transaction === undefined) await this.generations.bump(tables)
    else stmt.transaction.onCommitMerged(this.#bumpMerged, tables)
    return result
  }

  readonly #bumpMerged = (lists: string[][]): Promise<void> => this.generations.bump(lists.flat())

  /** Tables a statement writes (with their ON DELETE dependents), or null for a read. */
  #written(stmt: Statement): string[] | null {
    switch (stmt.kind) {
      case 'insert':
        return [...stmt.tables]
      case 'update':
      case 'delete':
        return this.#withDependents(stmt.tables)
      case 'ddl':
        return [ALL_TABLES]
      case 'raw': {
        const named = rawWriteTables(stmt.sql)
        return named === null ? null : named.length ? this.#withDependents(named) : [ALL_TABLES]
      }
      default:
        return null
    }
  }

  #withDependents(tables: readonly string[]): string[] {
    const out = new Set(tables)
    for (const t of tables) for (const d of this.#dependents.get(t) ?? []) out.add(d)
    return [...out]
  }

  /** One-shot `hash()` of one string: ~0.9 µs for W9's statement against ~1.6 for a Hash object fed in parts. */
  #key(stmt: Statement): string {
    const text = `${this.#dbIds.get(stmt.alias) ?? stmt.alias}\0${stmt.sql}\0${this.cache.encode(stmt.params)}`
    return `${this.cache.prefix}:q:${hash('sha1', text, 'base64url')}`
  }

  #failed(op: string, e: unknown): void {
    this.#downUntil = performance.now() + 1000
    this.cache.report(op, e)
  }

  /** Drop the decoded-rows memo (tests and `clear`). */
  forget(): void {
    this.#memo.clear()
  }
}

interface Memo {
  entry: Entry
  /** Columns whose cells are epoch milliseconds standing for Dates (or null); null when there are none. */
  dates: number[] | null
  /** Length of the stored text (the memo's bound counts these). */
  chars: number
}

/**
 * The columns holding Dates, which are turned into epoch milliseconds in place; [] when every cell is immutable;
 * undefined when some other object (JSON, bytes) or a column mixing Dates with other values means the rows must be
 * decoded per hit instead of shared.
 */
function dateColumns(rows: unknown[][]): number[] | undefined {
  const cols: number[] = []
  const width = rows[0]?.length ?? 0
  for (let c = 0; c < width; c++) {
    let date = false
    let other = false
    for (const row of rows) {
      const v = row[c]
      if (v === null) continue
      if (v instanceof Date) date = true
      else if (typeof v === 'object') return undefined
      else other = true
    }
    if (date && other) return undefined
    if (date) cols.push(c)
  }
  for (const c of cols)
    for (const row of rows) {
      const v = row[c]
      if (v !== null) row[c] = (v as Date).getTime()
    }
  return cols
}

/**
 * The statement's datetime columns turned into epoch milliseconds in place (its reader makes a new Date of each per
 * hit, without parsing text: on SQLite the parse was half of a hit's cost); false when a cell cannot be read.
 */
function toEpochs(rows: unknown[][], epoch: readonly EpochColumn[]): boolean {
  for (const { index, toEpoch } of epoch)
    for (const row of rows) {
      const v = row[index]
      if (v === null || typeof v === 'number') continue
      const ms = toEpoch(v)
      if (ms === null || Number.isNaN(ms)) return false
      row[index] = ms
    }
  return true
}

/** Copies of `rows` with new Dates in the `dates` columns. */
function withNewDates(rows: readonly unknown[][], dates: readonly number[]): unknown[][] {
  const out = new Array<unknown[]>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.slice()
    for (let j = 0; j < dates.length; j++) {
      const c = dates[j]!
      const v = row[c]
      if (v !== null) row[c] = new Date(v as number)
    }
    out[i] = row
  }
  return out
}

const READ = /^\s*(?:select|values|explain|show|pragma|describe|desc)\b/i
const WRITE_TARGET =
  /\b(?:insert\s+(?:ignore\s+)?into|replace\s+into|update(?:\s+(?:only|low_priority|ignore))?|delete\s+from|truncate(?:\s+table)?|merge\s+into|(?:alter|drop|create)\s+table(?:\s+if(?:\s+not)?\s+exists)?)\s+((?:[`"[]?[\w$]+[`"\]]?\.)?[`"[]?[\w$]+[`"\]]?)/gi

/**
 * The tables a raw statement writes: null for a read, [] when it writes but names no table quarry can read
 * (then every cached entry is invalidated).
 */
export function rawWriteTables(sql: string): string[] | null {
  const isWith = /^\s*with\b/i.test(sql)
  if (READ.test(sql) || (isWith && !/\b(?:insert|update|delete|merge)\b/i.test(sql))) return null
  const out = new Set<string>()
  for (const m of sql.matchAll(WRITE_TARGET)) {
    const name = m[1]!
      .split('.')
      .pop()!
      .replace(/[`"[\]]/g, '')
    if (!/^(?:set|from|where)$/i.test(name)) out.add(name)
  }
  return [...out]
}

import { AsyncLocalStorage } from 'node:async_hooks'
import { hash, randomBytes } from 'node:crypto'
import { captureStack } from '../diagnostics/call-site.ts'
import { diagnosticChannel, queryChannel } from '../diagnostics/channels.ts'
import { type EagerLoad, eagerChannel } from '../diagnostics/eager-loads.ts'
import type { QueryEvent } from '../diagnostics/events.ts'
import { InvalidValueError, StateError } from '../errors.ts'
import { explainStatement } from './explain.ts'
import type { ProfiledDatabase } from './profiled-database.ts'
import { buildReports, shapeKey } from './reports.ts'
import {
  type QueryRecord,
  type RequestDetail,
  RequestRecord,
  type RequestSummary,
  type ShapeStats,
} from './request-record.ts'
import { sqlRunner } from './sql-runner.ts'
import type { ShapeStore } from './store.ts'

export interface CollectorOptions {
  /** Statements at or above this many ms are flagged slow and explained (100). */
  slowMs?: number
  /** Requests kept in memory, newest first (500). */
  keep?: number
  /** Statements kept per request with their details (500); later ones are counted, and still feed the flags. */
  maxQueries?: number
  /** Runs of one shape with different values that flag "similar" (5). */
  similarAt?: number
  /** Capture a stack per statement (off: a capture costs microseconds), at most `maxStacks` per request (20). */
  stacks?: boolean
  maxStacks?: number
  /** Where finished requests' shapes go (see `ShapeStore`). */
  store?: ShapeStore | undefined
  /** Keep each statement's values with it, shown in the dashboard and its JSON (never in the store). Off. */
  logParams?: boolean
}

/** Distinct shapes per request, parameter sets per shape, and bound value lists kept for EXPLAIN: all capped. */
const MAX_SHAPES = 500
const MAX_HASHES = 1000
const MAX_LIVE = 100
/** Only the newest requests keep values for EXPLAIN on demand. */
const LIVE_REQUESTS = 50
/** Slow statements explained per request (each EXPLAIN is a statement of its own). */
const MAX_EXPLAINS = 3

/**
 * Attributes every statement of `db` to the request running it (through `AsyncLocalStorage`), keeps the last
 * `keep` requests, and computes their flags when they finish. Listens on the diagnostics channels; the ORM never
 * calls it.
 */
export class Collector {
  readonly db: ProfiledDatabase
  readonly slowMs: number
  readonly keep: number
  readonly maxQueries: number
  readonly similarAt: number
  readonly stacks: boolean
  readonly maxStacks: number
  readonly store: ShapeStore | undefined
  readonly logParams: boolean
  readonly #als = new AsyncLocalStorage<RequestRecord>()
  /** Newest last. */
  readonly #ring: RequestRecord[] = []
  readonly #byId = new Map<string, RequestRecord>()
  /** Keys the duplicate hashes: equal values hash equal within this process, and a hash reveals nothing. */
  readonly #salt = randomBytes(16).toString('hex')
  readonly #pending = new Set<Promise<void>>()
  /**
   * The bound values of the statement being run, for the duplicate hash and EXPLAIN on demand: set by the
   * profiler's engine interceptor around `next()`, read when the statement's event is published inside it. They
   * never go on the event, so no other listener, log or JSON sees them.
   */
  readonly #params = new AsyncLocalStorage<readonly unknown[]>()
  #unintercept: (() => void) | undefined
  #next = 1
  #started = false

  constructor(db: ProfiledDatabase, options: CollectorOptions = {}) {
    this.db = db
    this.slowMs = positive(options.slowMs ?? 100, 'slowMs')
    this.keep = positive(options.keep ?? 500, 'keep')
    this.maxQueries = positive(options.maxQueries ?? 500, 'maxQueries')
    this.similarAt = positive(options.similarAt ?? 5, 'similarAt')
    this.stacks = options.stacks ?? false
    this.maxStacks = positive(options.maxStacks ?? 20, 'maxStacks')
    this.store = options.store
    this.logParams = options.logParams ?? false
  }

  /** Start listening. */
  start(): this {
    if (this.#started) return this
    this.#started = true
    this.#unintercept = this.db.executor.intercept((statement, next) =>
      this.#als.getStore() === undefined ? next() : this.#params.run(statement.params, next),
    )
    queryChannel.subscribe(this.#onQuery)
    diagnosticChannel.subscribe(this.#onDiagnostic)
    eagerChannel.subscribe(this.#onEager)
    return this
  }

  /** Stop listening, and wait for pending plans and store writes. */
  async stop(): Promise<void> {
    if (this.#started) {
      this.#started = false
      this.#unintercept?.()
      this.#unintercept = undefined
      queryChannel.unsubscribe(this.#onQuery)
      diagnosticChannel.unsubscribe(this.#onDiagnostic)
      eagerChannel.unsubscribe(this.#onEager)
    }
    await this.settled()
    await this.store?.flush()
  }

  /** Wait until finished requests have their plans and are written to the store. */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending])
  }

  /**
   * Run `fn` as one request: every statement of the database awaited inside, however deep, is recorded on it.
   * `status` reads the outcome's HTTP status.
   */
  async record<T>(method: string, url: string, fn: () => Promise<T>, status: (r: T) => number): Promise<T> {
    const rec = new RequestRecord(String(this.#next++), method, url)
    let result: T
    try {
      result = await this.#als.run(rec, fn)
    } catch (e) {
      this.#finish(rec, 500)
      throw e
    }
    this.#finish(rec, status(result))
    return result
  }

  /** The request running in this async context, if any. */
  current(): RequestRecord | undefined {
    return this.#als.getStore()
  }

  list(): RequestSummary[] {
    const out: RequestSummary[] = []
    for (let i = this.#ring.length - 1; i >= 0; i--) out.push(this.#ring[i]!.summary())
    return out
  }

  get(id: string): RequestDetail | undefined {
    return this.#byId.get(id)?.detail()
  }

  /** EXPLAIN statement `n` of request `id` now, with its values from memory where the backend needs them. */
  async explain(id: string, n: number): Promise<string> {
    const rec = this.#byId.get(id)
    const q = rec?.queries[n]
    if (!rec || !q) throw new InvalidValueError(`No statement ${n} in request ${id}: it may have been dropped (keep).`)
    if (q.kind !== 'select')
      throw new StateError('EXPLAIN_NOT_SELECT', 'Only SELECT statements are explained: EXPLAIN must not run a write.')
    return this.#explainOutside(q, rec.live?.get(n))
  }

  #explainOutside(q: QueryRecord, params: readonly unknown[] | undefined): Promise<string> {
    // Outside the request's context: the EXPLAIN's own statements are not the request's.
    return this.#als.exit(() => explainStatement(sqlRunner(this.db, q.alias), q.sql, params, placeholders(q.sql)))
  }

  #onQuery = (message: unknown): void => {
    const e = message as QueryEvent
    if (e.database !== this.db) return
    const rec = this.#als.getStore()
    if (rec === undefined || rec.done) return
    const n = rec.queryCount++
    const params = this.#params.getStore()
    const key = shapeKey(e.sql)
    let s = rec.shapes.get(key)
    if (s === undefined && rec.shapes.size < MAX_SHAPES) {
      s = {
        sql: e.sql,
        kind: e.kind,
        tables: e.tables,
        model: e.model,
        vendor: e.vendor,
        alias: e.alias,
        calls: 0,
        totalMs: 0,
        maxMs: 0,
        rows: 0,
        sites: new Set(),
        hashes: new Map(),
        positions: [],
      }
      rec.shapes.set(key, s)
    }
    if (s !== undefined) this.#count(s, e, params, n)
    if (n >= this.maxQueries) {
      rec.droppedQueries++
      return
    }
    let stack: string | undefined
    if (this.stacks && rec.stacks < this.maxStacks) {
      rec.stacks++
      stack = userFrames(captureStack().stack)
    }
    rec.queries.push({
      n,
      sql: e.sql,
      durationMs: e.durationMs,
      rowCount: e.rowCount,
      callSite: e.callSite,
      kind: e.kind,
      alias: e.alias,
      tables: e.tables,
      model: e.model,
      atMs: Math.max(0, performance.now() - e.durationMs - rec.started),
      stack,
      params: this.logParams && params !== undefined ? jsonSafe(params) : undefined,
      error: e.error ? ((e.error as { code?: string }).code ?? e.error.name) : undefined,
    })
    if (params !== undefined && e.kind === 'select' && rec.live !== undefined && rec.live.size < MAX_LIVE)
      rec.live.set(n, params)
  }

  #count(s: ShapeStats, e: QueryEvent, params: readonly unknown[] | undefined, n: number): void {
    s.calls++
    s.totalMs += e.durationMs
    if (e.durationMs > s.maxMs) s.maxMs = e.durationMs
    s.rows += e.rowCount
    if (e.callSite !== undefined && s.sites.size < 5) s.sites.add(e.callSite)
    if (s.positions.length < 50) s.positions.push(n)
    // Transaction control and DDL repeat by nature; they are never a duplicate or an N+1.
    if (params === undefined || e.kind === 'transaction' || e.kind === 'ddl') return
    if (s.hashes.size >= MAX_HASHES) return
    const h = hash('sha256', `${this.#salt}\0${e.sql}\0${serialize(params)}`)
    const seen = s.hashes.get(h)
    if (seen === undefined) s.hashes.set(h, { runs: 1, positions: [n] })
    else {
      seen.runs++
      if (seen.positions.length < 50) seen.positions.push(n)
    }
  }

  #onDiagnostic = (message: unknown): void => {
    // The N+1 detector's report (query/loading/n-plus-one.ts), read for the fields the profiler shows.
    const r = message as {
      kind: string
      message: string
      path: string
      querySite: string | undefined
      database: object
    }
    if (r.kind !== 'nPlusOne' || r.database !== this.db) return
    const rec = this.#als.getStore()
    if (rec === undefined || rec.done) return
    if (rec.nPlusOne.length < 50) rec.nPlusOne.push({ message: r.message, path: r.path, querySite: r.querySite })
  }

  #onEager = (message: unknown): void => {
    const load = message as EagerLoad
    if (load.database !== this.db) return
    const rec = this.#als.getStore()
    if (rec === undefined || rec.done) return
    if (rec.eager.length < 200) rec.eager.push(load)
  }

  #finish(rec: RequestRecord, status: number): void {
    rec.status = status
    rec.durationMs = performance.now() - rec.started
    rec.done = true
    rec.reports = buildReports(rec, { slowMs: this.slowMs, similarAt: this.similarAt })
    // The reports are built: the loads (which instances that outlive the request still point at) are done with.
    rec.eager.length = 0
    this.#ring.push(rec)
    this.#byId.set(rec.id, rec)
    while (this.#ring.length > this.keep) this.#byId.delete(this.#ring.shift()!.id)
    const stale = this.#ring[this.#ring.length - 1 - LIVE_REQUESTS]
    if (stale) stale.live = undefined
    const p = this.#settle(rec).finally(() => this.#pending.delete(p))
    this.#pending.add(p)
  }

  /** After the response: plans of the slow statements, then the store. Never throws into the app. */
  async #settle(rec: RequestRecord): Promise<void> {
    let explained = 0
    for (const r of rec.reports) {
      if (r.kind !== 'slow' || explained >= MAX_EXPLAINS) continue
      const q = rec.queries[r.queries?.[0] ?? -1]
      if (q?.kind !== 'select') continue
      explained++
      try {
        r.plan = await this.#explainOutside(q, rec.live?.get(q.n))
        const s = rec.shapes.get(shapeKey(q.sql))
        if (s) s.plan = r.plan
      } catch {
        // A plan is a nicety: a statement that cannot be explained (raw SQL, a dropped table) is shown without one.
      }
    }
    if (this.store) this.store.append(rec)
    // Shapes and their value hashes served the flags and the store; the request view needs neither.
    rec.shapes.clear()
  }
}

/** Placeholders of a statement: `?` outside quotes, or the highest `$n`. */
export function placeholders(sql: string): number {
  const stripped = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`/g, '')
  let max = 0
  for (const m of stripped.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]))
  if (max) return max
  return (stripped.match(/\?/g) ?? []).length
}

/** Values as JSON can carry them: bigints and bytes as strings, dates as ISO text. */
function jsonSafe(params: readonly unknown[]): unknown[] {
  return JSON.parse(serialize(params)) as unknown[]
}

function serialize(params: readonly unknown[]): string {
  return JSON.stringify(params, (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  )
}

/** The frames of a stack outside node_modules and Node's internals. */
function userFrames(stack: string | undefined): string | undefined {
  if (!stack) return undefined
  return stack
    .split('\n')
    .slice(1)
    .filter((l) => !l.includes('node_modules') && !l.includes('node:') && !l.includes('/src/profiler/'))
    .map((l) => l.trim())
    .join('\n')
}

function positive(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new InvalidValueError(`profiler({ ${name} }) takes a number ≥ 0.`)
  return v
}

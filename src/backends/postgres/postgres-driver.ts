import type postgres from 'postgres'
import { OperationalError } from '../../errors.ts'
import type { Connection, QueryOptions, RunResult } from '../backend.ts'
import { daysFromCivil } from '../datetime-text.ts'

// ---- type parsing and serialization (postgres.js `types` option) ------------------------------------------------

const INT8 = 20
const JSON_OID = 114
const JSONB = 3802
const BOOL = 16
const DATE = 1082
const TIMESTAMP = 1114
const TIMESTAMPTZ = 1184

/**
 * int8 exactly: a `number` while it is a safe integer (ids, counts), a `bigint` beyond. The field converters
 * (`PostgresOperations.fromDb`) then give a `bigint` field a `bigint` and an auto primary key a `number`, so the
 * driver needs no per-query type switch.
 */
function parseInt8(v: string): number | bigint {
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : BigInt(v)
}

const TS = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/

/** The digit at `i`, or NaN (which then spoils the whole sum) when it is not one. */
function digit(v: string, i: number): number {
  const d = v.charCodeAt(i) - 48
  return d >= 0 && d <= 9 ? d : Number.NaN
}

const two = (v: string, i: number) => digit(v, i) * 10 + digit(v, i + 1)

/**
 * The shape PostgreSQL prints with `DateStyle` ISO, years 1000–9999: `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]]`,
 * as epoch milliseconds (fractions truncated to the millisecond), or NaN for anything else. A zone is required
 * unless `utc` (timestamp without time zone). `new Date(text)` reads this shape with V8's legacy date parser, one per
 * timestamp of every row read: W11 on PostgreSQL (100,000 posts, one timestamp each) took 254 ms of CPU with it and
 * 239 with this (`npm run bench -- --backends postgres --workloads W11 --rounds 5`).
 */
function fastTimestamp(v: string, utc: boolean): number {
  const n = v.length
  if (
    n < 19 ||
    v.charCodeAt(0) === 48 /* '0' */ ||
    v.charCodeAt(4) !== 45 /* '-' */ ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 32 /* ' ' */ ||
    v.charCodeAt(13) !== 58 /* ':' */ ||
    v.charCodeAt(16) !== 58
  )
    return Number.NaN
  let i = 19
  let ms = 0
  if (i < n && v.charCodeAt(i) === 46 /* '.' */) {
    i++
    const start = i
    for (let d = v.charCodeAt(i) - 48; d >= 0 && d <= 9; d = v.charCodeAt(++i) - 48) if (i - start < 3) ms = ms * 10 + d
    if (i === start) return Number.NaN
    for (let k = i - start; k < 3; k++) ms *= 10
  }
  let offset = 0
  if (i < n) {
    const sign = v.charCodeAt(i)
    if (sign !== 43 /* '+' */ && sign !== 45 /* '-' */) return Number.NaN
    let seconds = two(v, i + 1) * 3600
    i += 3
    if (i < n && v.charCodeAt(i) === 58) {
      seconds += two(v, i + 1) * 60
      i += 3
      if (i < n && v.charCodeAt(i) === 58) {
        seconds += two(v, i + 1)
        i += 3
      }
    }
    if (i !== n) return Number.NaN
    offset = sign === 43 ? seconds * 1000 : -seconds * 1000
  } else if (!utc) return Number.NaN
  const month = two(v, 5)
  const day = two(v, 8)
  const hour = two(v, 11)
  const minute = two(v, 14)
  const second = two(v, 17)
  // An out-of-range field would roll over; PostgreSQL never prints one, but text that is not its output goes the
  // careful way.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 24 && minute <= 59 && second <= 60))
    return Number.NaN
  return (
    daysFromCivil(two(v, 0) * 100 + two(v, 2), month, day) * 86_400_000 +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    ms -
    offset
  )
}

/**
 * PostgreSQL's timestamp text → Date. `fastTimestamp` reads the common case; other text (years before 1000, which
 * `new Date()` takes for two-digit years, years BC, `infinity`, other `DateStyle`s) takes the careful path. `utc`: the
 * value has no zone (timestamp without time zone) and is read as UTC.
 */
function parseTimestamp(v: string, utc: boolean): Date | number {
  const t = fastTimestamp(v, utc)
  if (!Number.isNaN(t)) return new Date(t)
  if (v.charCodeAt(0) !== 48 /* '0' */ && !v.endsWith(' BC') && v.length < 40 && v.charCodeAt(4) === 45 /* '-' */)
    return new Date(utc ? `${v.replace(' ', 'T')}Z` : v)
  if (v === 'infinity') return Number.POSITIVE_INFINITY
  if (v === '-infinity') return Number.NEGATIVE_INFINITY
  const m = TS.exec(v)
  if (!m) return new Date(Number.NaN)
  let year = Number(m[1])
  if (m[12]) year = 1 - year
  const ms = m[7] ? Math.floor(Number(m[7]) * 1000) : 0
  const d = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms))
  d.setUTCFullYear(year)
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000
    d.setTime(d.getTime() - (m[8] === '-' ? -offset : offset))
  }
  return d
}

const toIso = (v: unknown) =>
  v instanceof Date ? v.toISOString() : typeof v === 'number' ? new Date(v).toISOString() : String(v)

/**
 * Overrides of postgres.js's defaults: int8 exact, `date` stays 'YYYY-MM-DD' text, `timestamp` (no zone) read as
 * UTC, and every serializer lets text through unchanged, so a value quarry already encoded (JSON text from
 * `jsonToDb`, 'YYYY-MM-DD', an ISO string) is not encoded a second time.
 */
export const pgTypes = {
  int8: { to: INT8, from: [INT8], serialize: (v: unknown) => String(v), parse: parseInt8 },
  json: {
    to: JSON_OID,
    from: [JSON_OID, JSONB],
    serialize: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)),
    parse: (v: string) => JSON.parse(v) as unknown,
  },
  boolean: {
    to: BOOL,
    from: [BOOL],
    serialize: (v: unknown) => (typeof v === 'string' ? v : v ? 't' : 'f'),
    parse: (v: string) => v === 't',
  },
  date: {
    to: DATE,
    from: [DATE],
    serialize: (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v)),
    parse: (v: string) => v,
  },
  timestamp: { to: TIMESTAMP, from: [TIMESTAMP], serialize: toIso, parse: (v: string) => parseTimestamp(v, true) },
  timestamptz: {
    to: TIMESTAMPTZ,
    from: [TIMESTAMPTZ],
    serialize: toIso,
    parse: (v: string) => parseTimestamp(v, false),
  },
}

// ---- parameters -------------------------------------------------------------------------------------------------

/**
 * postgres.js declares a parameter's type from its JS value, and for a JS array from its first element (a Date array
 * would go as one `timestamptz`, not an array). So arrays go as PostgreSQL array literals whose type the server
 * infers, like `pg` does (`= ANY($1)` infers `int8[]`, `text[]`, …); plain objects as JSON text; undefined as null.
 * Scalars (numbers, strings, booleans, bigints, Dates, bytes) pass as they are. The array is copied only when
 * something changes.
 */
export function toParams(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined
  for (let i = 0; i < params.length; i++) {
    const v = params[i]
    if (v !== undefined && (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array))
      continue
    out ??= params.slice()
    out[i] = v === undefined ? null : Array.isArray(v) ? arrayLiteral(v) : JSON.stringify(v)
  }
  return (out ?? params) as unknown[]
}

function arrayLiteral(xs: readonly unknown[]): string {
  let s = '{'
  for (let i = 0; i < xs.length; i++) {
    if (i) s += ','
    const x = xs[i]
    if (x === null || x === undefined) s += 'NULL'
    else if (Array.isArray(x)) s += arrayLiteral(x)
    else s += `"${elementText(x).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  }
  return `${s}}`
}

function elementText(x: unknown): string {
  if (typeof x === 'string') return x
  if (typeof x === 'boolean') return x ? 't' : 'f'
  if (x instanceof Date) return x.toISOString()
  if (x instanceof Uint8Array) return `\\x${Buffer.from(x).toString('hex')}`
  if (typeof x === 'object') return JSON.stringify(x)
  return String(x)
}

/** SQL texts prepared as named statements (each connection prepares one on first use). */
const prepared = new Set<string>()
/** Past this many distinct texts, statements run unnamed: raw SQL with ever-changing text must not grow caches. */
const MAX_PREPARED = 5000

function shouldPrepare(sql: string): boolean {
  if (prepared.has(sql)) return true
  if (prepared.size >= MAX_PREPARED) return false
  prepared.add(sql)
  return true
}

// ---- connection errors ------------------------------------------------------------------------------------------

const CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'])

/**
 * The connection itself failed (closed, reset, timed out, terminated by the server): postgres.js's own codes,
 * socket and TLS errors (`ECONNRESET`, `ERR_SSL_…`), SQLSTATE classes 08 and 57P (admin shutdown), or a FATAL server
 * error. Only on such evidence: a reserved connection taken for dead is never given back to the pool.
 */
export function isConnectionError(e: unknown): boolean {
  const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown }
  if (severity === 'FATAL' || severity === 'PANIC') return true
  if (typeof code !== 'string') return false
  return CONNECTION_CODES.has(code) || /^E[A-Z_]+$/.test(code) || /^(08|57P)/.test(code)
}

/**
 * postgres.js 3.4.9 keeps the FATAL error of a statement that was running when its connection was terminated, and
 * hands it to whatever that connection serves first once reopened (a statement or a `reserve()`), which never
 * reached the server. Such a FATAL error can only be that stale one (a running statement gets CONNECTION_CLOSED), so
 * the statement is sent once more.
 */
export function isUnsentFatal(e: unknown): boolean {
  const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown }
  return severity === 'FATAL' && typeof code === 'string' && /^(57|08)/.test(code)
}

/**
 * postgres.js 3.4.9 counts a statement's rows in one counter per connection and resets it when a statement completes,
 * not when one fails after sending rows (a row's expression failing, a statement timeout or cancel mid-result; an
 * iterator stopped early): the next statement on that connection then resolves with as many holes before its rows
 * (porsager/postgres#1119, #1181; fixes pending in #1120, #1190). A row is never a hole, so a result whose first entry
 * is one has them: they are removed, in place (the array keeps postgres.js's `count` and `columns`). One `in` test a
 * statement otherwise.
 */
export function dense<T extends unknown[]>(rows: T): T {
  if (rows.length === 0 || 0 in rows) return rows
  let first = 1
  while (first < rows.length && !(first in rows)) first++
  rows.splice(0, first)
  return rows
}

/**
 * A finished statement's rows as a plain array, postgres.js's result array emptied. postgres.js 3.4.9 builds each
 * query's `resolve` / `reject` closures with `this.resolve = x => …`, a function literal assigned to a property, which V8
 * allocates in the old generation. Dead, such a closure keeps its query alive through every scavenge until the next
 * full collection, and through the query's promise its result and every row and string in it: all copied and promoted
 * though nothing uses them (bench/notes.md, twelfth pass; bench/micro/pg-survival.ts). Emptied, the result drags only
 * itself along, and the rows die young once the caller is done with them. One array copy per statement.
 */
export function detach<T>(rows: T[]): T[] {
  const out = new Array<T>(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = rows[i]!
  rows.length = 0
  return out
}

/** A finished statement's rows: without holes, out of postgres.js's result (`dense`, `detach`). */
const settledRows = (rows: unknown[][]): unknown[][] => detach(dense(rows))

/**
 * One pool's shared state: statements in flight on it and connections reserved from it, and the options its
 * statements run with. postgres.js's `end()` waits forever for a connection that was lost in the middle of a
 * statement and not reopened since (3.4.9), so `close()` waits for this count to reach zero itself and then ends the
 * pool without waiting.
 */
export class Activity {
  #count = 0
  /** Gives a connection quarry's idle timer (see `IdleTimer`) the first time it runs a statement. */
  readonly adopt: (wire: WireConnection) => boolean
  /** postgres.js copies the options it is given: these shared objects serve every statement but a reserved one's first. */
  readonly prepared: RunOptions
  readonly unprepared: RunOptions
  readonly simple: { readonly onexecute: (wire: WireConnection) => boolean }
  #idle: { promise: Promise<void>; resolve: () => void } | undefined

  /** `idleMs`: close a connection idle this long (0: never). */
  constructor(idleMs = 0) {
    this.adopt = adopter(idleMs)
    this.prepared = Object.freeze({ prepare: true, simple: false as const, onexecute: this.adopt })
    this.unprepared = Object.freeze({ prepare: false, simple: false as const, onexecute: this.adopt })
    this.simple = Object.freeze({ onexecute: this.adopt })
  }

  /** `r`, counted (a statement on the pool). */
  readonly #settled = (r: unknown[][]): unknown[][] => {
    this.done()
    return settledRows(r)
  }

  /**
   * `track` for array rows from the pool, the hot path: no closure per statement unless it fails (then it is sent
   * once more if the failure was the stale FATAL error of a lost connection).
   */
  rows(sql: Sql, text: string, params: never[], options: never): Promise<unknown[][]> {
    this.#count++
    return sql
      .unsafe(text, params, options)
      .values()
      .then(this.#settled as never, (e: unknown) => {
        if (!isUnsentFatal(e)) {
          this.done()
          throw e
        }
        return this.track(() => sql.unsafe(text, params, options).values(), true)
          .then(settledRows)
          .finally(() => this.done())
      }) as unknown as Promise<unknown[][]>
  }

  /** Run `run` counted, sending it once more if it failed with the stale FATAL error of a lost connection. */
  track<T>(run: () => PromiseLike<T>, resent = false): Promise<T> {
    this.#count++
    // `then` straight on postgres.js's query (a Promise subclass): no extra wrapping on the hot path.
    return run().then(
      (r) => {
        this.done()
        return r
      },
      (e: unknown) => {
        // Once only: a server that keeps answering FATAL (57P03, shutting down) must fail, not loop.
        if (!resent && isUnsentFatal(e)) return this.track(run, true).finally(() => this.done())
        this.done()
        throw e
      },
    ) as Promise<T>
  }
  begin(): void {
    this.#count++
  }
  done(): void {
    if (--this.#count === 0 && this.#idle) {
      this.#idle.resolve()
      this.#idle = undefined
    }
  }
  /** Resolves once nothing is in flight or reserved. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve()
    this.#idle ??= Promise.withResolvers<void>()
    return this.#idle.promise
  }
}

/** postgres.js's internal connection object, as handed to a query's `onexecute` hook. */
interface WireConnection {
  reserved: unknown
  onclose: ((e: unknown) => void) | null
  /** Started when the pool files the connection as idle, cancelled when it is used or closed (3.4.9). */
  idleTimer: { start(): void; cancel(): void }
  end(): unknown
}

/**
 * The idle timeout of one pooled connection, in place of postgres.js's own. postgres.js restarts a `setTimeout` each
 * time a connection turns idle and clears it when the connection is used again: a timer made and cleared for every
 * statement (~860 ns against ~100 ns for this one, in a loop of the two patterns; bench/notes.md). This one notes when the
 * connection turned idle and keeps at most one timer, which on firing closes the connection if it has been idle for
 * `ms` by then and otherwise waits out the rest. The timer is unref'd: it never keeps a process alive by itself (an
 * open socket does, until the timer closes it).
 */
class IdleTimer {
  readonly #ms: number
  readonly #wire: WireConnection
  /** `performance.now()` when the connection turned idle; -1 while it is in use, reserved or closed. */
  #since = -1
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #check = (): void => {
    this.#timer = undefined
    if (this.#since < 0) return
    const left = this.#since + this.#ms - performance.now()
    if (left <= 0) {
      this.#since = -1
      this.#wire.end()
    } else this.#timer = setTimeout(this.#check, left).unref()
  }

  constructor(ms: number, wire: WireConnection) {
    this.#ms = ms
    this.#wire = wire
  }
  start(): void {
    this.#since = performance.now()
    this.#timer ??= setTimeout(this.#check, this.#ms).unref()
  }
  cancel(): void {
    this.#since = -1
  }
}

/**
 * Gives a connection quarry's idle timer the first time a statement runs on it (postgres.js is told `idle_timeout:
 * 0`, so its own timer does nothing). Returns true, as postgres.js's `onexecute` must for the connection to take
 * more statements.
 */
function adopter(idleMs: number): (wire: WireConnection) => boolean {
  if (idleMs <= 0) return () => true
  return (wire) => {
    if (!(wire.idleTimer instanceof IdleTimer)) wire.idleTimer = new IdleTimer(idleMs, wire)
    return true
  }
}

type Sql = postgres.Sql<Record<string, never>>

let cursors = 0

/** Query options: prepared or not, each connection given quarry's idle timer on its first statement. */
interface RunOptions {
  readonly prepare: boolean
  readonly simple: false
  readonly onexecute: (wire: WireConnection) => boolean
}

/** Why a portal ended early: the loop stopped (a rejection of the cursor's callback, never an error to report). */
const STOP_PORTAL = Object.freeze({ stopped: 'iterator() ended before its last row' })

const BEGINS = /^\s*(?:BEGIN|START\s+TRANSACTION)\b/i
const ENDS = /^\s*(?:COMMIT|END|ABORT|ROLLBACK(?!\s+TO\b)|PREPARE\s+TRANSACTION)\b/i

/**
 * quarry's view of postgres.js: either the pool itself (each statement takes whichever connection is free, and
 * several may be pipelined on one) or one reserved connection (`sql.reserve()`, for a transaction or a stream).
 * Statements are prepared once per connection (`prepare: true`) and rows come back as arrays (`.values()`).
 */
export class PostgresConnection implements Connection {
  /** The pool, and what statements run on: the pool or the reserved connection. */
  readonly #pool: Sql
  readonly #sql: Sql
  readonly #activity: Activity
  readonly #reserved: (Sql & { release(): void }) | undefined
  /** The reserved connection's wire object, once seen (to learn that it closed while idle). */
  #wire: WireConnection | undefined
  #dead = false
  #inTransaction = false
  readonly #hook = (wire: WireConnection): boolean => {
    if (!this.#wire) {
      this.#wire = wire
      // Declared, then stored (not pretenured by V8: see runner.ts's GetEntry).
      const onclose = () => {
        this.#dead = true
      }
      wire.onclose = onclose
    }
    return this.#activity.adopt(wire)
  }

  /** `reserved`: a connection from `sql.reserve()`, already counted in `activity` (released by `release()`). */
  constructor(sql: Sql, activity: Activity, reserved?: Sql & { release(): void }) {
    this.#pool = sql
    this.#sql = reserved ?? sql
    this.#reserved = reserved
    this.#activity = activity
  }

  /** Whether a transaction was opened on this (reserved) connection and has not ended. */
  get inTransaction(): boolean {
    return this.#inTransaction
  }

  #options(sql: string): RunOptions {
    const prepare = shouldPrepare(sql)
    if (this.#reserved && !this.#wire) return { prepare, simple: false, onexecute: this.#hook }
    return prepare ? this.#activity.prepared : this.#activity.unprepared
  }

  rows(sql: string, params: readonly unknown[], _options?: QueryOptions): Promise<unknown[][]> {
    const p = toParams(params) as never[]
    const o = this.#options(sql) as never
    if (this.#reserved) return this.#guard(sql, this.#sql.unsafe(sql, p, o).values() as never, settledRows)
    return this.#activity.rows(this.#sql, sql, p, o)
  }

  /** Raw `db.query` rows, as plain arrays of objects (postgres.js's result array also carries statement metadata). */
  async objects(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const p = toParams(params) as never[]
    const o = this.#options(sql) as never
    const r = this.#reserved
      ? await this.#guard(sql, this.#sql.unsafe(sql, p, o))
      : await this.#activity.track(() => this.#sql.unsafe(sql, p, o))
    return detach(dense(r as unknown as Record<string, unknown>[]))
  }

  async run(sql: string, params: readonly unknown[]): Promise<RunResult> {
    const p = toParams(params) as never[]
    const o = this.#options(sql) as never
    const r = this.#reserved
      ? await this.#guard(sql, this.#sql.unsafe(sql, p, o))
      : await this.#activity.track(() => this.#sql.unsafe(sql, p, o))
    return { rowCount: r.count ?? 0 }
  }

  /** One or more statements without parameters: the simple protocol. */
  async exec(sql: string): Promise<void> {
    const options = this.#reserved && !this.#wire ? { onexecute: this.#hook } : this.#activity.simple
    await (this.#reserved
      ? this.#guard(sql, this.#sql.unsafe(sql, [], options as never))
      : this.#activity.track(() => this.#sql.unsafe(sql, [], options as never)))
  }

  /**
   * Runs a statement on the reserved connection: never on one that has died (postgres.js would write to a closed
   * socket), noting connection failures and transaction boundaries. `map` is applied to the result (no extra promise).
   */
  async #guard<T>(sql: string, q: PromiseLike<T>, map?: (r: T) => T): Promise<T> {
    if (this.#dead) {
      // Not run: settle the query object without executing it.
      throw new OperationalError('The connection was lost before this statement ran (CONNECTION_CLOSED).', {
        vendorCode: 'CONNECTION_CLOSED',
        sql,
        // No driver error exists: postgres.js only reported that the socket closed.
        cause: { code: 'CONNECTION_CLOSED', reason: 'the reserved connection closed' },
      })
    }
    const ends = ENDS.test(sql)
    if (ends) this.#inTransaction = false
    try {
      const r = await q
      if (!ends && BEGINS.test(sql)) this.#inTransaction = true
      return map ? map(r) : r
    } catch (e) {
      if (isConnectionError(e)) this.#dead = true
      throw e
    }
  }

  /**
   * Rows in chunks of `chunkSize`, memory bounded. Outside a transaction the stream has its connection to itself (the
   * executor leases one for the loop; the pool reserves one here) and reads through a portal (`#portal`). In the
   * caller's transaction, where other statements may run on the connection between chunks, through a SQL cursor
   * (`DECLARE … CURSOR` / `FETCH`), each `FETCH` an ordinary statement (a lost connection fails it) sent before the
   * chunk before it is handed over, so the server, which computes and stores a whole chunk before sending it, works
   * while the caller does (two chunks held at most).
   */
  async *stream(
    sql: string,
    params: readonly unknown[],
    chunkSize: number,
    _options?: QueryOptions,
  ): AsyncIterable<unknown[][]> {
    if (!this.#reserved) {
      // The pool as a whole cannot hold a cursor: borrow one connection for the loop, which serves the loop alone.
      const own = await reserve(this.#pool, this.#activity)
      let broken = true
      try {
        yield* own.#portal(sql, params, chunkSize)
        broken = false
      } finally {
        own.release(broken)
      }
      return
    }
    if (!this.#inTransaction) {
      yield* this.#portal(sql, params, chunkSize)
      return
    }
    const cursor = `quarry_cursor_${++cursors}`
    const declare = `DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`
    const fetch = `FETCH FORWARD ${chunkSize} FROM ${cursor}`
    const next = () => {
      const q = this.#guard(fetch, this.#sql.unsafe(fetch).values() as never, settledRows) as Promise<unknown[][]>
      // Settled by the loop, or by `finally` when the caller stops first: never an unhandled rejection.
      q.catch(() => {})
      return q
    }
    let ok = false
    let pending: Promise<unknown[][]> | null = null
    try {
      // Unique text per cursor: not worth a prepared statement.
      await this.#guard(declare, this.#sql.unsafe(declare, toParams(params) as never[], { prepare: false }))
      pending = next()
      for (;;) {
        const rows = await pending
        pending = null
        if (rows.length < chunkSize) {
          if (rows.length) yield rows
          break
        }
        pending = next()
        yield rows
      }
      ok = true
    } finally {
      // A chunk asked for and not taken (the caller stopped) is let finish: the connection serves in order anyway.
      if (pending) await pending.catch(() => {})
      // Early exit (break) or error included: the cursor is closed now (after an error the transaction is failed and
      // ends anyway).
      if (ok || this.#inTransaction) await this.exec(`CLOSE ${cursor}`).catch(() => {})
    }
  }

  /**
   * Rows in chunks of `chunkSize` through a portal: the protocol's Execute with a row limit (postgres.js's callback
   * `cursor()`), on a reserved connection that serves this loop alone (a statement sent between two chunks would
   * wait behind the portal). The portal lives in the implicit transaction of its messages, so no `BEGIN`/`COMMIT`,
   * and the server sends each chunk as it computes it, where a `FETCH` stores the chunk first (through a temporary
   * file past `work_mem`). The next chunk is asked for when the loop has finished with this one: reading one ahead
   * here held both chunks' rows alive through scavenges (W11: peak RSS 136 -> 181 MB, time 233 -> 254 ms).
   *
   * postgres.js's async-iterator `cursor()` is not used: in 3.4.9, when the connection is lost between two chunks it
   * ends without an error (the rows so far look like the whole result) and a later `next()` writes to the closed
   * socket. With the callback, a lost connection rejects the query, and the next chunk is only asked for while the
   * query is still active (a closed connection has made it inactive, synchronously, before any code here runs).
   */
  async *#portal(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterable<unknown[][]> {
    /** Chunks received and not yet handed to the loop (at most one). */
    const ready: unknown[][][] = []
    /** Lets postgres.js send the next Execute (set while the portal is suspended on a chunk the loop has not taken). */
    let resume: ((stop?: boolean) => void) | undefined
    /**
     * The loop has ended. The loop only ends while the portal is suspended (it asks for the next chunk after its yield,
     * then waits for it), so no chunk should arrive after this; one that did would end the portal rather than be held
     * with nobody to resume it.
     */
    let stopped = false
    let settled = false
    let failure: unknown
    let wake: (() => void) | undefined
    const query = this.#sql
      .unsafe(sql, toParams(params) as never[], { prepare: shouldPrepare(sql) } as never)
      .values()
      .cursor(chunkSize, (rows: unknown) => {
        const chunk = dense(rows as unknown[][])
        // A short chunk is the last (sent with CommandComplete, which ignores what this returns).
        if (chunk.length < chunkSize) {
          if (chunk.length && !stopped) ready.push(chunk)
          wake?.()
          return undefined
        }
        // A full chunk: the portal is suspended until this settles. Rejecting ends it (postgres.js sends Sync).
        if (stopped) return Promise.reject(STOP_PORTAL)
        ready.push(chunk)
        wake?.()
        return new Promise<void>((resolve, reject) => {
          resume = (stop) => (stop ? reject(STOP_PORTAL) : resolve())
        })
      })
    const done = query.then(
      () => {
        settled = true
        wake?.()
      },
      (e: unknown) => {
        settled = true
        if (e !== STOP_PORTAL) failure = e
        if (isConnectionError(e)) this.#dead = true
        wake?.()
      },
    )
    /** `query.active` turns false, synchronously, when postgres.js rejects or resolves it (a lost connection too). */
    const active = () => (query as unknown as { active: boolean }).active
    try {
      for (;;) {
        if (!ready.length && !settled) await new Promise<void>((r) => (wake = r))
        wake = undefined
        const chunk = ready.shift()
        if (chunk) {
          yield chunk
          // The loop wants the next chunk: ask for it, never once the query has ended (its connection lost: the write
          // would go to a closed socket). A loop that stops instead leaves `resume` to `finally`.
          const next = resume
          resume = undefined
          if (next && active()) next()
          continue
        }
        if (failure !== undefined) throw failure
        if (!settled) continue
        return
      }
    } finally {
      stopped = true
      if (!settled && active()) {
        // Stopped early, or by an error in the loop: end the portal (a suspended one now, one in flight when its chunk
        // arrives) and wait for the server to confirm, so the connection goes back idle.
        resume?.(true)
        await done
      }
    }
  }

  /**
   * Give the reserved connection back. One that died is not handed back (postgres.js has already moved it to its
   * closed connections, and reopens it on demand); one that is broken inside a transaction is rolled back first.
   */
  release(broken: boolean): void {
    const reserved = this.#reserved
    if (!reserved) return
    const wire = this.#wire
    if (wire && wire.reserved == null) this.#dead = true
    if (wire?.onclose) wire.onclose = null
    if (this.#dead) {
      this.#activity.done()
      return
    }
    if (broken && this.#inTransaction)
      void this.#guard('ROLLBACK', reserved.unsafe('ROLLBACK')).then(
        () => this.#giveBack(reserved),
        () => (this.#dead ? this.#activity.done() : this.#giveBack(reserved)),
      )
    else this.#giveBack(reserved)
  }

  #giveBack(reserved: { release(): void }): void {
    reserved.release()
    this.#activity.done()
  }
}

/** One connection of the pool to itself (`sql.reserve()`), counted in `activity` until released. */
export async function reserve(sql: Sql, activity: Activity): Promise<PostgresConnection> {
  activity.begin()
  try {
    const reserved = await sql.reserve().catch((e: unknown) => (isUnsentFatal(e) ? sql.reserve() : Promise.reject(e)))
    return new PostgresConnection(sql, activity, reserved)
  } catch (e) {
    activity.done()
    throw e
  }
}

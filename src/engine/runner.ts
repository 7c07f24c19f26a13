import type { Backend, RunResult } from '../backends/backend.ts'
import { InvalidValueError, QuarryError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import { HOST, type InstanceHost, type ModelInstance } from '../model/runtime.ts'
import type { BulkInsertNode, BulkUpdateNode, InsertNode, StatementNode } from '../sql/ast/write-nodes.ts'
import type { Converter, DialectFeatures } from '../sql/dialect.ts'
import type { Aggregate } from '../sql/expressions.ts'
import type { QueryState } from '../sql/query-state.ts'
import {
  fastFilterKey,
  fastSelectShape,
  GET_LIMIT,
  getReadsOneRow,
  oneEntryKey,
  oneEqualityName,
} from '../sql/resolve/fast-shape.ts'
import {
  type BuiltQuery,
  buildAggregate,
  buildCount,
  buildExists,
  buildSelect,
  type RowLayout,
} from '../sql/resolve/select-builder.ts'
import { buildDelete, buildInsert, buildUpdate } from '../sql/resolve/write-builder.ts'
import type { SqlFragment } from '../sql/sql-tag.ts'
import { BIGINTS, type Executor, type RunInfo, SINGLE, SINGLE_BIGINTS } from './executor.ts'
import type { FastEntry, PreparedQueries, PreparedQuery } from './prepared-query.ts'
import type { Routing } from './router.ts'

/** What the runner needs from the query layer to turn rows into instances: their host, and prefetching. */
export interface ResultHooks {
  /**
   * The host for the instances of one result, before they are mapped. `results` is the array they will fill; a
   * streamed result that is not `wholeResults` passes an array as long as its first rows, which only tells one row
   * from many.
   */
  hostFor(alias: string, state: QueryState, results: ModelInstance[], single: boolean): InstanceHost
  /**
   * Whether the instances of one result must be mapped together, into the array given to `hostFor`
   * (`fetchMode('peers')` loads a relation for all of them at once).
   */
  wholeResults(state: QueryState): boolean
  /** Called with every non-empty result of instances, after mapping (runs `prefetchRelated`). */
  afterFetch(instances: ModelInstance[], state: QueryState, alias: string, single: boolean): Promise<void> | void
}

export interface SelectOptions {
  /** LIMIT when the query has none (`get()` reads 21 rows to report "more than one"). */
  defaultLimit?: number | undefined
  /** Leave ORDER BY out (one row by key). */
  noOrder?: boolean | undefined
  /** The result is one row (no N+1 detection, no peers). */
  single?: boolean | undefined
  /** The memoized filter-independent part of the fast shape key, or null when the query is not simple. */
  prefix?: string | null | undefined
}

const CHECK_SHAPES = process.env.QUARRY_CHECK_SHAPES === '1'
/** One fast-key hit in SAMPLE + 1 is checked against a full build. */
const SAMPLE = 1023

/**
 * Runs what the query layer describes: build (the AST and its shape key) → compile (once per shape) → look up
 * the prepared query → run through the executor → map the rows. QuerySets, managers, related managers and loaders
 * call this; none of them sees SQL text, a connection or a backend.
 */
export class Runner {
  readonly executor: Executor
  readonly routing: Routing
  /** @internal The prepared-query cache (tests reach in to plant a wrong fast key). */
  readonly prepared: PreparedQueries
  readonly #hooks: ResultHooks
  /** Fast-key hits since the last sampled check. */
  #sampled = 0
  /** get()'s fast-key entries by prefix, then filter part (see getCached). */
  readonly #getEntries = new Map<Backend, Map<string, Map<string, GetEntry>>>()

  constructor(executor: Executor, routing: Routing, prepared: PreparedQueries, hooks: ResultHooks) {
    this.executor = executor
    this.routing = routing
    this.prepared = prepared
    this.#hooks = hooks
  }

  /** The capability flags of the database behind `alias` (batch sizes, array parameters). */
  features(alias: string): DialectFeatures {
    return this.executor.backend(alias).features
  }

  // ---- reads ---------------------------------------------------------------------------------------------------

  /**
   * The rows of a SELECT, mapped to instances or values rows. Simple shapes skip building the AST on a cache hit
   * (`fastSelectShape`); the rest build it and look the prepared query up by the full shape key.
   */
  async select(state: QueryState, options: SelectOptions = {}, alias = this.routing.read(state)): Promise<unknown[]> {
    const backend = this.executor.backend(alias)
    const shape = this.#selectShape(backend, state, options)
    // The filters can match nothing (an empty `in`): no query, as Django's EmptyResultSet.
    if (shape === null) return []
    const { prepared, params } = shape
    const rows = await this.executor.rows(
      alias,
      prepared.compiled,
      params,
      info('select', state),
      prepared.bigints ? BIGINTS : undefined,
    )
    return this.#map(rows, prepared, state, alias, options.single ?? false)
  }

  /**
   * `get(filter)` straight from the prepared-query cache, for a QuerySet whose fast prefix is memoized: the promise
   * of `one(mapped rows)`; undefined when the filter is not simple or its shape is not cached yet (the caller then
   * takes `select`). No async frame: the rows are mapped in the one reaction the executor adds to the driver's
   * promise (W4 runs 10,000 gets; each frame and object per get showed up as garbage-collection time).
   */
  getCached<R>(
    state: QueryState,
    prefix: string,
    filter: unknown,
    one: (rows: unknown[], state: QueryState) => R,
  ): Promise<R> | undefined {
    // `{ id }`: the value is the only parameter and the key part a memoized string; anything else builds both.
    const name = oneEqualityName(state.model, filter)
    let params: unknown[]
    let part: string | null
    if (name !== undefined) {
      params = [(filter as Record<string, unknown>)[name]]
      part = oneEntryKey(name)
    } else {
      params = []
      part = fastFilterKey(state.model, filter, false, params)
      if (part === null) return undefined
    }
    const alias = this.routing.read(state)
    const backend = this.executor.backend(alias)
    // By prefix (the QuerySet's memoized string, whose hash V8 keeps), then by the short filter part: the full
    // key is concatenated, and hashed, only on a miss. An entry found to disagree with the full build is
    // marked dropped (#agrees) and looked up afresh.
    let byPrefix = this.#getEntries.get(backend)
    if (!byPrefix) this.#getEntries.set(backend, (byPrefix = new Map()))
    let byPart = byPrefix.get(prefix)
    if (!byPart) {
      if (byPrefix.size >= 1000) byPrefix.clear()
      byPrefix.set(prefix, (byPart = new Map()))
    }
    let entry = byPart.get(part)
    if (entry === undefined || entry.hit.dropped) {
      const single = getReadsOneRow(state, filter)
      const found = this.prepared.fast(backend, `${prefix}${part}${single ? '' : 'L'}`)
      if (!found) {
        byPart.delete(part)
        return undefined
      }
      byPart.set(part, (entry = new GetEntry(found, single)))
    }
    const hit = entry.hit
    const single = entry.single
    // Up to 21 rows (Django's MAX_GET_RESULTS) unless the filter is a unique equality: then one row at most exists,
    // and the statement has no LIMIT (QuerySet#getBuilt builds the same).
    if (!single) params.push(GET_LIMIT)
    if (CHECK_SHAPES || !hit.checked || (++this.#sampled & SAMPLE) === 0) {
      const full = { ...state, where: [...state.where, { input: filter as never, negate: false }] }
      const options = { defaultLimit: single ? undefined : GET_LIMIT, noOrder: true }
      if (!this.#agrees(backend, full, options, `${prefix}${part}${single ? '' : 'L'}`, params, hit)) return undefined
    }
    const prepared = hit.prepared
    // The reaction that maps the row and its run info depend only on the entry, the QuerySet and the database: made
    // once for a manager's gets rather than per get.
    if (entry.state !== state || entry.alias !== alias || entry.one !== one) {
      entry.state = state
      entry.alias = alias
      entry.one = one
      entry.info = info('select', state)
      // Declared, then stored: a function literal assigned straight to a property is allocated in V8's old generation,
      // where, once dead, it keeps what it closes over alive through scavenges (bench/notes.md, twelfth pass).
      const then = (rows: unknown[][]) => {
        const mapped = this.#map(rows, prepared, state, alias, true)
        return mapped instanceof Promise ? mapped.then((m) => one(m, state)) : one(mapped, state)
      }
      entry.then = then
    }
    return this.executor.rowsThen(
      alias,
      prepared.compiled,
      params,
      entry.info!,
      prepared.bigints ? (single ? SINGLE_BIGINTS : BIGINTS) : single ? SINGLE : undefined,
      entry.then as (rows: unknown[][]) => R | Promise<R>,
    )
  }

  /**
   * A SELECT built by the loading layer with trailing columns after the mapped ones (the source key of a
   * many-to-many row): the instances, and the converted trailing values of each row.
   */
  async selectWithKeys(
    alias: string,
    state: QueryState,
    built: BuiltQuery<StatementNode> & { layout: RowLayout },
    trailing: readonly Field[],
  ): Promise<{ instances: ModelInstance[]; keys: unknown[] }> {
    const backend = this.executor.backend(alias)
    const prepared = this.prepared.prepare(backend, built.node, built.layout, trailing)
    const rows = await this.executor.rows(
      alias,
      prepared.compiled,
      built.ctx.params,
      info('select', state),
      prepared.bigints ? BIGINTS : undefined,
    )
    const width = rows.length ? rows[0]!.length - trailing.length : 0
    const convert = prepared.trailing[0] ?? null
    const keys = rows.map((r) => (convert ? convert(r[width]) : r[width]))
    const instances = (await this.#map(rows, prepared, state, alias, false)) as ModelInstance[]
    return { instances, keys }
  }

  /** `SELECT COUNT(*)`. */
  async count(state: QueryState): Promise<number> {
    const rows = await this.#rows(this.routing.read(state), state, (f) => buildCount(state, f))
    return rows ? Number(rows[0]![0]) : 0
  }

  /** `SELECT 1 … LIMIT 1`. */
  async exists(state: QueryState): Promise<boolean> {
    const rows = await this.#rows(this.routing.read(state), state, (f) => buildExists(state, f))
    return rows !== null && rows.length > 0
  }

  /** `SELECT SUM(…) AS total, …`: one object keyed by the specs' names. Counts are never null. */
  async aggregate(state: QueryState, specs: Record<string, Aggregate>): Promise<Record<string, unknown>> {
    const alias = this.routing.read(state)
    const backend = this.executor.backend(alias)
    const built = buildAggregate(state, backend.features, specs)
    const layout: RowLayout = { kind: 'values', mode: 'objects', names: built.names, fields: built.fields }
    const prepared = this.prepared.prepare(backend, built.node, layout)
    // No row can match: every aggregate over nothing, without a query (Count 0, the others null), as Django does.
    const rows = built.empty
      ? [built.names.map(() => null)]
      : await this.executor.rows(
          alias,
          prepared.compiled,
          built.ctx.params,
          info('select', state),
          prepared.bigints ? BIGINTS : undefined,
        )
    const out = (prepared.mapper!.map as (row: unknown[]) => Record<string, unknown>)(rows[0]!)
    built.names.forEach((name, i) => {
      const fn = specs[name]!.fn
      const v = out[name]
      const kind = built.fields[i]?.kind
      // Drivers return sums and averages as strings or bigints; a count of nothing is 0, not null.
      if (v !== null && typeof v !== 'number' && kind !== 'bigint' && kind !== 'decimal')
        if (fn === 'Count' || fn === 'Avg' || fn === 'Sum') out[name] = Number(v)
      if (fn === 'Count' && v === null) out[name] = 0
    })
    return out
  }

  /** The database's plan for the SELECT, as text. */
  async explain(state: QueryState, options: { analyze?: boolean; format?: string }): Promise<string> {
    const alias = this.routing.read(state)
    const backend = this.executor.backend(alias)
    const built = buildSelect(state, backend.features)
    const compiled = backend.compiler.compile(built.node)
    const sql = backend.ops.explainPrefix(options) + compiled.sql
    const rows = await this.executor.rows(alias, { ...compiled, sql }, built.ctx.params, info('select', state))
    return backend.ops.formatExplain(rows)
  }

  /**
   * The SELECT's rows in mapped chunks, with memory bounded: a cursor on servers, the driver's iterator on SQLite.
   * Undefined where the backend cannot stream (the caller pages instead).
   *
   * A result is `chunkSize` rows: they share one host (the N+1 detector counts per result), and with
   * `fetchMode('peers')` they are mapped together, so a lazy load covers all of them. Otherwise rows become
   * instances `MAP_BATCH` at a time, a batch's driver rows are dropped once mapped, and `iterator()` drops each
   * instance from its batch as it hands it out, so few rows are alive at once while the loop walks them; SQLite's
   * drivers also read that few at a time. V8 grows its young generation by the bytes that survive its scavenges, so
   * what is alive at a scavenge sets the peak RSS of a long stream:
   * - a whole chunk of 2,000 posts alive at once grew it and promoted every row (bench/streaming, 100,000 posts:
   *   peak RSS 149 → 110 MB on SQLite, raw `iterate()` 77 MB; 268 → 158 MB on PostgreSQL, postgres.js's cursor 228 MB);
   * - batches of 64 still grew it over repeated streams in one process (ten streams: 120–134 MB); batches of 16 with
   *   each instance dropped as handed out keep it small (104–105 MB) at the same CPU time, where 8 cost ~10% more.
   */
  stream(state: QueryState, chunkSize: number): RowStream | undefined {
    const alias = this.routing.read(state)
    const backend = this.executor.backend(alias)
    const built = buildSelect(state, backend.features)
    if (built.empty) return EMPTY_STREAM
    const prepared = this.prepared.prepare(backend, built.node, built.layout)
    const rows = this.executor.stream(
      alias,
      prepared.compiled,
      built.ctx.params,
      chunkSize,
      info('select', state),
      prepared.bigints ? BIGINTS : undefined,
    )
    if (!rows) return undefined
    const self = this
    const instances = prepared.mapper!.kind === 'instances'
    const whole = instances && this.#hooks.wholeResults(state)
    return {
      handOff: !whole,
      async *[Symbol.asyncIterator]() {
        /** Rows waiting to make up a whole result (`whole` only). */
        const held: unknown[][] = []
        let host: InstanceHost | undefined
        /** Rows mapped since the current result's host was made. */
        let mapped = 0
        for await (const chunk of rows) {
          if (whole) {
            for (let i = 0; i < chunk.length; i++) held.push(chunk[i]!)
            while (held.length >= chunkSize) {
              yield await self.#map(held.splice(0, chunkSize), prepared, state, alias, false)
              await macrotask()
            }
            continue
          }
          for (let start = 0; start < chunk.length; start += MAP_BATCH) {
            const part = chunk.length <= MAP_BATCH ? chunk : chunk.slice(start, start + MAP_BATCH)
            if (instances && (host === undefined || mapped >= chunkSize)) {
              // Each result's host holds its peers in a WeakRef (fetchMode('peers'), the N+1 detector), and V8
              // keeps a WeakRef's target alive until the current job ends. SQLite's synchronous iterator never ends
              // the job, so without a macrotask per result every streamed row stayed in memory until the loop
              // finished (bench/streaming: 307 MB for 100,000 posts).
              if (host !== undefined) await macrotask()
              host = self.#hooks.hostFor(alias, state, new Array(part.length), false)
              mapped = 0
            }
            mapped += part.length
            // The driver's rows of this part are dropped once mapped (a slice is a copy: dropped from the chunk at
            // once), and the caller drops each instance as it hands it out: only rows not handed out yet stay alive.
            if (part !== chunk) chunk.fill(undefined as never, start, start + part.length)
            const out = await self.#map(part, prepared, state, alias, false, host)
            if (part === chunk) chunk.fill(undefined as never)
            yield out
          }
        }
        if (held.length) yield await self.#map(held, prepared, state, alias, false)
      },
    }
  }

  // ---- writes --------------------------------------------------------------------------------------------------

  /** `UPDATE … WHERE …`: rows matched. */
  async update(state: QueryState, values: Record<string, unknown>, alias = this.routing.write(state)): Promise<number> {
    const r = await this.#write(alias, state, 'update', (f) => buildUpdate(state, f, values))
    return r.rowCount
  }

  /** `DELETE … WHERE …`: rows deleted. */
  async delete(state: QueryState): Promise<number> {
    const r = await this.#write(this.routing.write(state), state, 'delete', (f) => buildDelete(state, f))
    return r.rowCount
  }

  /**
   * Multi-row `INSERT`. With `returning`, where the database can return rows from an INSERT, the returned column
   * of the first row; else the driver's last insert id.
   */
  async insert(
    alias: string,
    meta: ModelMeta,
    fields: readonly Field[],
    rows: readonly (readonly unknown[])[],
    options: { returning?: Field; onConflict?: InsertNode['onConflict'] } = {},
  ): Promise<RunResult & { returned?: unknown }> {
    const backend = this.executor.backend(alias)
    const returning = options.returning && backend.features.canReturnRowsFromInsert ? options.returning : undefined
    const built = buildInsert(meta, backend.features, fields, rows, {
      returning: returning ? [returning.column] : undefined,
      onConflict: options.onConflict,
    })
    const prepared = this.prepared.prepare(backend, built.node)
    const ran = { kind: 'insert', model: meta.name } as const
    if (!returning) return this.executor.write(alias, prepared.compiled, built.ctx.params, ran)
    const out = await this.executor.rows(alias, prepared.compiled, built.ctx.params, ran)
    return { rowCount: out.length, returned: out[0]?.[0] }
  }

  /** The driver-value converters of `fields` on `alias`: bulk writes check and convert every row before sending. */
  converters(alias: string, fields: readonly Field[]): (Converter | null)[] {
    const ops = this.executor.backend(alias).ops
    return fields.map((f) => ops.toDb(f))
  }

  /**
   * A many-row INSERT of values already converted (query/bulk.ts), bound positionally: the returned rows when it
   * has RETURNING.
   */
  async bulkInsert(
    alias: string,
    node: BulkInsertNode,
    params: readonly unknown[],
    model: string,
  ): Promise<unknown[][] | undefined> {
    const prepared = this.prepared.prepare(this.executor.backend(alias), node)
    const ran = { kind: 'insert', model } as const
    if (node.returning?.length) return this.executor.rows(alias, prepared.compiled, params, ran)
    await this.executor.write(alias, prepared.compiled, params, ran)
    return undefined
  }

  /** One statement of a bulk update (query/bulk.ts), values already converted: rows matched. */
  async bulkUpdate(alias: string, node: BulkUpdateNode, params: readonly unknown[], model: string): Promise<number> {
    const prepared = this.prepared.prepare(this.executor.backend(alias), node)
    const r = await this.executor.write(alias, prepared.compiled, params, { kind: 'update', model })
    return r.rowCount
  }

  // ---- raw SQL -------------------------------------------------------------------------------------------------

  /** Rows of a raw query as objects keyed by column name. */
  rawObjects(query: SqlFragment, alias: string, model?: string): Promise<Record<string, unknown>[]> {
    const backend = this.executor.backend(alias)
    const params: unknown[] = []
    const compiled = backend.compiler.compile(query.toNode(params))
    return this.executor.objects(alias, compiled, params, { kind: 'raw', model })
  }

  /** Run a raw statement: rows affected. */
  rawExecute(query: SqlFragment, alias: string): Promise<RunResult> {
    const backend = this.executor.backend(alias)
    const params: unknown[] = []
    const compiled = backend.compiler.compile(query.toNode(params))
    return this.executor.write(alias, compiled, params, { kind: 'raw' })
  }

  /** An instance from a raw row object keyed by column names (`Manager.raw()`), converted like mapped rows. */
  instanceFromObject(meta: ModelMeta, row: Record<string, unknown>, alias: string, host: InstanceHost): ModelInstance {
    const backend = this.executor.backend(alias)
    if (!(meta.pk.column in row))
      throw new InvalidValueError(`raw(): the query must select ${meta.name}'s primary key column '${meta.pk.column}'.`)
    const inst = new meta.instanceClass() as ModelInstance & Record<string, unknown>
    for (const f of meta.concreteFields) {
      if (!(f.column in row)) continue
      const conv = backend.ops.fromDb(f)
      inst[f.attname] = conv ? conv(row[f.column]) : row[f.column]
    }
    inst[HOST] = host
    return inst
  }

  /** Run `fn` in a transaction on `alias` (see `Transactions.atomic`). */
  atomic<T>(alias: string, fn: () => Promise<T> | T): Promise<T> {
    return this.executor.transactions.atomic(alias, fn)
  }

  // ---- the steps -----------------------------------------------------------------------------------------------

  #selectShape(
    backend: Backend,
    state: QueryState,
    options: SelectOptions,
  ): { prepared: PreparedQuery; params: unknown[] } | null {
    const fast = fastSelectShape(state, options, options.prefix === undefined ? undefined : options.prefix)
    if (fast) {
      const hit = this.prepared.fast(backend, fast.key)
      if (
        hit &&
        ((!CHECK_SHAPES && hit.checked && (++this.#sampled & SAMPLE) !== 0) ||
          this.#agrees(backend, state, options, fast.key, fast.params, hit))
      )
        return { prepared: hit.prepared, params: fast.params }
    }
    const built = buildSelect(state, backend.features, options)
    if (built.empty) return null
    const prepared = this.prepared.prepare(backend, built.node, built.layout)
    if (fast) this.prepared.setFast(backend, fast.key, prepared)
    return { prepared, params: built.ctx.params }
  }

  /**
   * Whether a fast-key hit is what the full build of this description prepares, with the same values. Checked on
   * the first hit from a second description, on one hit in 1,024 after that, and on every hit under
   * `QUARRY_CHECK_SHAPES=1` (the test suite, where a disagreement throws). In production a disagreement drops the
   * fast key, warns once, and the query runs from the full build: wrong SQL is never served.
   */
  #agrees(
    backend: Backend,
    state: QueryState,
    options: SelectOptions,
    key: string,
    params: unknown[],
    hit: FastEntry,
  ): boolean {
    const built = buildSelect(state, backend.features, options)
    const full = this.prepared.prepare(backend, built.node, built.layout)
    if (full === hit.prepared && sameValues(built.ctx.params, params)) {
      hit.checked = true
      return true
    }
    const message = `quarry: the fast shape key ${key} disagrees with the full build (${full.compiled.shapeKey}); it is no longer used.`
    if (CHECK_SHAPES) throw new QuarryError('SHAPE_COLLISION', message)
    hit.dropped = true
    this.prepared.dropFast(backend, key)
    process.emitWarning(message, { type: 'QuarryShapeWarning', code: 'QUARRY_SHAPE_MISMATCH' })
    return false
  }

  /** Rows → instances (with their host, and prefetches) or values rows. Synchronous unless prefetching. */
  #map(
    rows: unknown[][],
    prepared: PreparedQuery,
    state: QueryState,
    alias: string,
    single: boolean,
    shared?: InstanceHost,
  ): unknown[] | Promise<unknown[]> {
    const mapper = prepared.mapper!
    const out = new Array(rows.length)
    if (mapper.kind === 'instances') {
      const map = mapper.map
      const host = shared ?? this.#hooks.hostFor(alias, state, out, single)
      for (let i = 0; i < rows.length; i++) out[i] = map(rows[i]!, host)
      const done = rows.length ? this.#hooks.afterFetch(out, state, alias, single) : undefined
      if (done) return done.then(() => out)
    } else {
      const map = mapper.map
      for (let i = 0; i < rows.length; i++) out[i] = map(rows[i]!)
    }
    return out
  }

  async #rows(
    alias: string,
    state: QueryState,
    build: (features: DialectFeatures) => BuiltQuery<StatementNode>,
  ): Promise<unknown[][] | null> {
    const backend = this.executor.backend(alias)
    const built = build(backend.features)
    if (built.empty) return null
    const prepared = this.prepared.prepare(backend, built.node)
    return this.executor.rows(alias, prepared.compiled, built.ctx.params, info('select', state))
  }

  async #write(
    alias: string,
    state: QueryState,
    kind: 'update' | 'delete',
    build: (features: DialectFeatures) => BuiltQuery<StatementNode>,
  ): Promise<RunResult> {
    const backend = this.executor.backend(alias)
    const built = build(backend.features)
    if (built.empty) return { rowCount: 0 }
    const prepared = this.prepared.prepare(backend, built.node)
    return this.executor.write(alias, prepared.compiled, built.ctx.params, info(kind, state))
  }
}

/** `Runner.stream`'s batches of mapped rows. */
export interface RowStream extends AsyncIterable<unknown[]> {
  /**
   * The consumer may drop each row from its batch once handed out (so a scavenge finds it dead when the loop has).
   * False when a batch is a whole `fetchMode('peers')` result: a lazy load reads the batch to load for all its rows.
   */
  readonly handOff: boolean
}

/** Rows a stream maps into instances at a time, whatever its chunk size (see `stream`). */
const MAP_BATCH = 16

/** One turn of the event loop. */
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve))

/** The stream of a query that can match nothing: no chunks, no query. */
const EMPTY_STREAM: RowStream = { handOff: true, async *[Symbol.asyncIterator]() {} }

function info(kind: RunInfo['kind'], state: QueryState): RunInfo {
  return { kind, model: state.model.name, site: state.site }
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/**
 * A `get()` shape's prepared query, and whether it can match one row at most (the same for every call of it); then
 * the QuerySet, database and row check it last served, with the run info and mapping reaction made for them.
 */
class GetEntry {
  readonly hit: FastEntry
  readonly single: boolean
  state: QueryState | undefined = undefined
  alias: string | undefined = undefined
  one: unknown = undefined
  info: RunInfo | undefined = undefined
  then: ((rows: unknown[][]) => unknown) | undefined = undefined
  constructor(hit: FastEntry, single: boolean) {
    this.hit = hit
    this.single = single
  }
}

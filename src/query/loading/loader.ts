import { captureStack, NEAR_FRAMES, type StackHolder, siteOf } from '../../diagnostics/call-site.ts'
import { diagnosticChannel } from '../../diagnostics/channels.ts'
import { eagerChannel } from '../../diagnostics/eager-loads.ts'
import { ImproperlyConfigured, LazyLoadError } from '../../errors.ts'
import {
  cacheRelation,
  HOST,
  type InstanceHost,
  type ModelInstance,
  metaOf,
  relationCache,
} from '../../model/runtime.ts'
import type { QueryState } from '../../sql/query-state.ts'
import type { DbCore, FetchMode, LoadingHooks, NPlusOneMode } from '../db-core.ts'
import { trackEagerLoads } from './eager-tracking.ts'
import { loadLevel } from './load-level.ts'
import { type NPlusOneReport, nPlusOneMessage, raiseError } from './n-plus-one.ts'
import { pathWithin, peersOf } from './peers.ts'
import { runPrefetch } from './prefetch-runner.ts'
import type { Relation } from './relation.ts'
import { isLoaded, lazyMany, setLazyMany } from './relation-cache.ts'
import { ResultHost } from './result-host.ts'
import { type Origin, type ResultInfo, SiteCapture } from './scope.ts'

/**
 * The loading layer of one database: gives each result its host, runs `prefetchRelated` after a fetch, and
 * decides what a lazy relation load does — one query (`one`), one query for all peers (`peers`), or an error
 * (`raise`) — counting lazy loads per result to report N+1 queries.
 */
/** Stack captures per relation of one result (see accessSite). */
const SITE_CAPTURES_PER_RELATION = 4

/** The `connect()` options the loading layer reads. */
export interface LoadingOptions {
  readonly fetchMode?: FetchMode | undefined
  readonly nPlusOne?: NPlusOneMode | undefined
  readonly nPlusOneAllow?: readonly string[] | undefined
}

export class Loader implements LoadingHooks {
  readonly db: DbCore
  readonly defaultMode: FetchMode
  readonly nPlusOne: NPlusOneMode
  readonly #allow: ReadonlySet<string>
  /** Sites already warned about: a loop warns once, not once per request. */
  readonly #warned = new Set<string>()

  constructor(db: DbCore, options: LoadingOptions) {
    this.db = db
    this.defaultMode = options.fetchMode ?? 'one'
    this.nPlusOne = options.nPlusOne ?? 'warn'
    this.#allow = new Set(options.nPlusOneAllow ?? [])
    if (!['one', 'peers', 'raise'].includes(this.defaultMode))
      throw new ImproperlyConfigured(`connect(…, { fetchMode }) takes 'one', 'peers' or 'raise'.`)
    if (!['warn', 'raise', 'off'].includes(this.nPlusOne))
      throw new ImproperlyConfigured(`connect(…, { nPlusOne }) takes 'warn', 'raise' or 'off'.`)
    for (const name of this.#allow)
      if (typeof name !== 'string' || !/^\w+\.\w+$/.test(name))
        throw new ImproperlyConfigured(
          `connect(…, { nPlusOneAllow }) takes 'Model.relation' names, like 'Post.author'.`,
        )
  }

  get wantsSites(): boolean {
    return this.nPlusOne !== 'off'
  }

  hostFor(alias: string, state: QueryState, results: ModelInstance[], single: boolean): InstanceHost {
    const mode = state.fetchMode ?? this.defaultMode
    const multi = !single && results.length > 1
    const origin = state.extra.origin as Origin | undefined
    // The common case costs nothing: one-by-one loading and nothing to detect.
    if (mode === 'one' && (!multi || this.nPlusOne === 'off')) return this.db.host(alias)
    const info: ResultInfo = {
      alias,
      state,
      mode,
      // Only fetchMode('peers') needs the result array. A WeakRef's target stays alive until the current job ends,
      // and a loop of awaited queries that never yields to the event loop (SQLite is synchronous) is one job: with
      // a WeakRef per result the detector kept every result of such a loop alive (366 MB instead of 45 MB over
      // 100 W2 runs) and the GC pressure cost more than the loads themselves. The N+1 report finds the relation's
      // path from the query's selectRelated paths instead (peers.ts pathWithin).
      peers: multi && mode === 'peers' ? new WeakRef(results) : undefined,
      single: !multi,
      origin,
      counts: undefined,
      captures: undefined,
    }
    return new ResultHost(this, this.db.host(alias), info)
  }

  wholeResults(state: QueryState): boolean {
    return (state.fetchMode ?? this.defaultMode) === 'peers'
  }

  afterFetch(instances: ModelInstance[], state: QueryState, alias: string, single: boolean): Promise<void> | undefined {
    const track = eagerChannel.hasSubscribers && (state.selectRelated.length > 0 || state.prefetch.length > 0)
    // Synchronous when there is nothing to prefetch: no promise, no extra microtask per query.
    if (state.prefetch.length === 0) {
      if (track) trackEagerLoads(this.db, instances, state)
      return undefined
    }
    const host = instances[0]![HOST]
    const parent: ResultInfo =
      host instanceof ResultHost
        ? host.info
        : {
            alias,
            state,
            mode: state.fetchMode ?? this.defaultMode,
            peers: undefined,
            single,
            origin: state.extra.origin as Origin | undefined,
            counts: undefined,
            captures: undefined,
          }
    const done = runPrefetch({ db: this.db, alias, mode: state.fetchMode, parent }, instances, state.prefetch)
    return track ? done.then(() => trackEagerLoads(this.db, instances, state)) : done
  }

  /** The user's frame at a relation access, when a later load may need to name it. */
  accessSite(info: ResultInfo, inst: ModelInstance, relation: string): StackHolder | undefined {
    if (info.mode === 'raise') return captureStack(NEAR_FRAMES)
    if (info.mode !== 'one' || !this.#detects(info, inst, relation)) return undefined
    // A capture costs 3-8 µs and `post.author.id` creates a reference without loading anything, so only the
    // first few accesses per relation of one result are located: enough for a loop's second lazy load to be
    // reported with its line. Later accesses reuse the last site found, and so does every access once the relation
    // is reported for this result (#count).
    const captures = (info.captures ??= new Map())
    let seen = captures.get(relation)
    if (seen === undefined) captures.set(relation, (seen = { n: 0, last: undefined }))
    if (seen.n >= SITE_CAPTURES_PER_RELATION) return seen.last
    seen.n++
    return (seen.last = new SiteCapture(captureStack(NEAR_FRAMES)))
  }

  /**
   * `await post.author` / `await author.profile` on an instance of a result with a host from here. Not async: the
   * common case (fetchMode 'one') returns the plain host's promise, with no promise layer of its own.
   */
  lazyOne(
    info: ResultInfo,
    inst: ModelInstance,
    rel: Relation,
    site: StackHolder | undefined,
    base: InstanceHost,
  ): Promise<ModelInstance | null> {
    if (info.mode === 'raise') return Promise.reject(this.#raise(info, inst, rel, site))
    if (info.mode === 'peers') return this.#lazyOnePeers(info, inst, rel)
    try {
      this.#count(info, inst, rel, site)
    } catch (e) {
      return Promise.reject(e)
    }
    // The detector only counts: the load itself takes the path it takes with the detector off (get() by key,
    // a cached statement), so turning detection on never changes the SQL or the code that builds it.
    if (rel.kind === 'forward') return base.loadForward(inst, rel.field)
    return this.#reverseOne(base, inst, rel)
  }

  async #lazyOnePeers(info: ResultInfo, inst: ModelInstance, rel: Relation): Promise<ModelInstance | null> {
    await this.#loadPeers(info, inst, rel)
    return (relationCache(inst).get(rel.name) as ModelInstance | null | undefined) ?? null
  }

  async #reverseOne(base: InstanceHost, inst: ModelInstance, rel: Relation): Promise<ModelInstance | null> {
    const v = await base.loadReverseOne(inst, rel.source.reverse.get(rel.name)!)
    cacheRelation(inst, rel.name, v)
    if (v) cacheRelation(v, rel.field.name, inst)
    return v
  }

  /** `await author.posts` on an instance of a result with a host from here; `run` is the plain query. */
  async lazyMany(
    info: ResultInfo,
    inst: ModelInstance,
    rel: Relation,
    site: StackHolder | undefined,
    run: () => Promise<ModelInstance[]>,
  ): Promise<ModelInstance[]> {
    const known = lazyMany(inst)?.get(rel.name)
    if (known) return [...known]
    if (info.mode === 'raise') throw this.#raise(info, inst, rel, site)
    if (info.mode === 'peers') {
      await this.#loadPeers(info, inst, rel)
      return [...(lazyMany(inst)?.get(rel.name) ?? [])]
    }
    this.#count(info, inst, rel, site)
    return run()
  }

  /** One query loads `rel` for every peer of `inst` that lacks it (`fetchMode('peers')`). */
  async #loadPeers(info: ResultInfo, inst: ModelInstance, rel: Relation): Promise<void> {
    const need = peersOf(info, inst).filter((p) => metaOf(p) === rel.source && !isLoaded(p, rel.name, rel.many))
    if (!need.includes(inst)) need.push(inst)
    const { path, forwardOnly } = this.#path(info, inst, rel)
    const values = await loadLevel(this.#scope(info, { parent: info, path, forwardOnly }), need, rel, undefined)
    for (const [p, v] of values)
      if (rel.many) setLazyMany(p, rel.name, v as ModelInstance[])
      else cacheRelation(p, rel.name, v)
  }

  #scope(info: ResultInfo, origin: Origin | undefined) {
    return { db: this.db, alias: info.alias, mode: info.mode === 'one' ? undefined : info.mode, origin }
  }

  #detects(info: ResultInfo, inst: ModelInstance, relation: string): boolean {
    // Runs on every lazy access: the allow-list's key is built only when there is an allow-list.
    return (
      this.nPlusOne !== 'off' &&
      !info.single &&
      (this.#allow.size === 0 || !this.#allow.has(`${metaOf(inst).name}.${relation}`))
    )
  }

  /** Count a lazy load; at the second from one result and one line, report it (or throw under 'raise'). */
  #count(info: ResultInfo, inst: ModelInstance, rel: Relation, site: StackHolder | undefined): void {
    if (!this.#detects(info, inst, rel.name)) return
    // A capture from accessSite keeps its line and that line's count: a loop's later loads, which reuse the
    // relation's last capture, cost an increment (the lookups were most of the detector's cost in W3).
    const capture = site instanceof SiteCapture ? site : undefined
    let cell = capture?.cell
    let where: string
    if (cell === undefined) {
      where = capture ? (capture.where ??= siteOf(capture) ?? '') : (siteOf(site) ?? '')
      // Per relation, then per line: no key string is built (and hashed) on each load. One result's instances
      // are of one model per relation name.
      const counts = (info.counts ??= new Map())
      let byLine = counts.get(rel.name)
      if (byLine === undefined) counts.set(rel.name, (byLine = new Map()))
      cell = byLine.get(where)
      if (cell === undefined) byLine.set(where, (cell = { n: 0 }))
      if (capture) capture.cell = cell
    } else where = capture!.where!
    const n = ++cell.n
    if (n < 2 || (n > 2 && this.nPlusOne !== 'raise')) return
    // Reported: this result's later accesses of the relation reuse the last capture instead of taking their own.
    if (n === 2) {
      const seen = info.captures?.get(rel.name)
      if (seen !== undefined) seen.n = SITE_CAPTURES_PER_RELATION
    }
    const model = metaOf(inst).name
    const key = `${model}.${rel.name}@${where}`
    // A loop warned about before, with no one listening: nothing to build (the message locates the query's stack).
    if (this.nPlusOne === 'warn' && this.#warned.has(key) && !diagnosticChannel.hasSubscribers) return
    const { path, forwardOnly } = this.#path(info, inst, rel)
    const message = nPlusOneMessage(model, rel, path, forwardOnly, where || undefined, querySite(info))
    if (n === 2 && diagnosticChannel.hasSubscribers) {
      const report: NPlusOneReport = {
        kind: 'nPlusOne',
        model,
        relation: rel.name,
        path,
        callSite: where || undefined,
        querySite: querySite(info),
        message,
        database: this.db,
      }
      diagnosticChannel.publish(report)
    }
    if (this.nPlusOne === 'raise') throw new LazyLoadError(message)
    if (this.#warned.has(key)) return
    this.#warned.add(key)
    process.emitWarning(message, { type: 'NPlusOneWarning', code: 'QUARRY_N_PLUS_ONE' })
  }

  #raise(info: ResultInfo, inst: ModelInstance, rel: Relation, site: StackHolder | undefined) {
    const { path, forwardOnly } = this.#path(info, inst, rel)
    return raiseError(metaOf(inst).name, rel, path, forwardOnly, siteOf(site), querySite(info))
  }

  /** The relation's path from the root query, and whether `selectRelated` could follow all of it. */
  #path(info: ResultInfo, inst: ModelInstance, rel: Relation): { path: string; forwardOnly: boolean } {
    const within = pathWithin(info, inst)
    const path = [info.origin?.path, within, rel.name].filter(Boolean).join('.')
    return { path, forwardOnly: (info.origin?.forwardOnly ?? true) && rel.kind === 'forward' }
  }
}

/** Where the root query of a result was built. */
function querySite(info: ResultInfo): string | undefined {
  let root = info
  while (root.origin) root = root.origin.parent
  return siteOf(root.state.site)
}

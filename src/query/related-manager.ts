import type { StackHolder } from '../diagnostics/call-site.ts'
import { InvalidValueError, StateError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import type { RelationField } from '../model/fields/relation-field.ts'
import type { ReverseRelation } from '../model/model-meta.ts'
import { cacheRelation, isModelInstance, type ModelInstance, metaOf } from '../model/runtime.ts'
import type { Models } from '../model/schema.ts'
import type { CreateInput, Instance, PkOf } from '../model/types.ts'
import { emptyState, type QueryState } from '../sql/query-state.ts'
import type { DbCore } from './db-core.ts'
import type { Loader } from './loading/loader.ts'
import { findRelation, type Relation } from './loading/relation.ts'
import { forgetRelation } from './loading/relation-cache.ts'
import type { ResultInfo } from './loading/scope.ts'
import { NO_SITE } from './loading/scope.ts'
import { Manager } from './manager.ts'
import { QuerySet } from './query-set.ts'

declare module '../model/types.ts' {
  interface RelatedManagerRegistry<M extends Models, T extends keyof M & string> {
    manager: RelatedManager<M, T>
  }
}

/** A related object given to `add` / `remove` / `set`: an instance or its primary key. */
export type RelatedItem<M extends Models, N extends keyof M & string> = Instance<M, N, any> | PkOf<M, N>

/** @internal Set when the manager comes from an instance of a result with loading bookkeeping. */
export interface LazyContext {
  readonly loader: Loader
  readonly info: ResultInfo
  readonly site: StackHolder | undefined
}

type Row = Record<string, unknown>

/**
 * `author.posts` or `post.tags` when not prefetched: a QuerySet of the related rows (awaitable, filterable,
 * countable) that also links and unlinks rows. Writes through it drop what the instance had loaded of the
 * relation, so the next read sees them.
 *
 * @example
 * const drafts = await author.posts.filter({ published: false })
 * await author.posts.create({ title: 'New' })     // author filled in
 * await post.tags.add(orm, sqlTag)                 // INSERT INTO "blog_post_tags" …
 * for (const p of author.posts) {}                 // compile error, and at run time an error saying what to do
 */
export class RelatedManager<M extends Models, N extends keyof M & string> extends Manager<M, N> {
  /** @internal */
  readonly instance: ModelInstance
  /** @internal The reverse relation (or the forward many-to-many field) this manager follows. */
  readonly relation: ReverseRelation | RelationField
  readonly #rel: Relation
  readonly #lazy: LazyContext | undefined

  constructor(
    db: DbCore,
    instance: ModelInstance,
    relation: ReverseRelation | RelationField,
    alias: string,
    lazy?: LazyContext,
  ) {
    const meta = metaOf(instance)
    const rel = findRelation(meta, relation.name)
    if (!rel?.many) throw new StateError('NOT_TO_MANY', `${meta.name}.${relation.name} is not a to-many relation.`)
    const key = (instance as unknown as Row)[rel.sourceKey.attname]
    if (key === undefined || key === null)
      throw new StateError('NOT_SAVED', `Save this ${meta.name} before using its related objects.`)
    super(db, managerState(rel, key, alias))
    this.instance = instance
    this.relation = relation
    this.#rel = rel
    this.#lazy = lazy
  }

  /** @internal `await author.posts`: a lazy load, which the fetch mode and the N+1 detector watch. */
  override fetch(options: { defaultLimit?: number; noOrder?: boolean; single?: boolean } = {}): Promise<never[]> {
    const lazy = this.#lazy
    if (!lazy || options.single || options.defaultLimit !== undefined || options.noOrder)
      return super.fetch(options) as never
    return lazy.loader.lazyMany(
      lazy.info,
      this.instance,
      this.#rel,
      lazy.site,
      () => super.fetch(options) as never,
    ) as never
  }

  /** Create a related row linked to this instance (for many-to-many: create it, then add it). */
  override async create(data: Partial<CreateInput<M, N>>): Promise<Instance<M, N>> {
    const rel = this.#rel
    if (rel.kind !== 'manyToMany') {
      const made = await super.create({ ...(data as object), [rel.targetKey.name]: this.instance } as CreateInput<M, N>)
      this.#changed([])
      return made
    }
    return this.db.runner.atomic(this.#alias, async () => {
      const target = new Manager<M, N>(this.db, { ...emptyState(rel.target), using: this.#alias, site: NO_SITE })
      const made = await target.create(data as CreateInput<M, N>)
      await this.add(made as RelatedItem<M, N>)
      return made
    })
  }

  /**
   * Link objects to this instance: many-to-many inserts the missing join rows (one `INSERT … ON CONFLICT DO
   * NOTHING` into an auto-created join table; otherwise one query to find them and one insert); a reverse foreign
   * key points the objects at this instance (one UPDATE).
   */
  async add(...items: RelatedItem<M, N>[]): Promise<void> {
    if (items.length === 0) return
    const rel = this.#rel
    const ids = keysOf(items, rel.targetKey)
    if (rel.kind !== 'manyToMany') {
      await this.#related({ pk: { in: ids } }).update({ [rel.targetKey.name]: this.#key } as never)
      for (const it of items)
        if (isModelInstance(it)) {
          ;(it as unknown as Row)[rel.targetKey.attname] = this.#key
          cacheRelation(it, rel.targetKey.name, this.instance)
        }
      return this.#changed(items)
    }
    const { near, far, meta } = rel.through!
    if (meta.autoCreated && this.db.runner.features(this.#alias).canIgnoreUniqueConflictsOnly) {
      // One statement: the (near, far) pair is unique, so links that exist are skipped by the database.
      await this.db.runner.atomic(this.#alias, () => this.#insertLinks([...new Set(ids)], true))
      return this.#changed(items)
    }
    await this.db.runner.atomic(this.#alias, async () => {
      const have = new Set(
        await this.#through({ [near.name]: this.#key, [far.name]: { in: ids } }).valuesList(far.attname as never, {
          flat: true,
        }),
      )
      const missing = [...new Set(ids)].filter((id) => !have.has(id as never))
      await this.#insertLinks(missing)
    })
    this.#changed(items)
  }

  /** Unlink objects: delete their join rows, or (nullable foreign keys only) set their foreign key to null. */
  async remove(...items: RelatedItem<M, N>[]): Promise<void> {
    if (items.length === 0) return
    const rel = this.#rel
    const ids = keysOf(items, rel.targetKey)
    if (rel.kind === 'manyToMany') {
      const { near, far } = rel.through!
      await this.#through({ [near.name]: this.#key, [far.name]: { in: ids } }).delete()
    } else {
      this.#nullable('remove()')
      await this.#related({ pk: { in: ids }, [rel.targetKey.name]: this.#key }).update({
        [rel.targetKey.name]: null,
      } as never)
      for (const it of items) if (isModelInstance(it)) (it as unknown as Row)[rel.targetKey.attname] = null
    }
    this.#changed(items)
  }

  /** Unlink every related object. */
  async clear(): Promise<void> {
    const rel = this.#rel
    if (rel.kind === 'manyToMany') await this.#through({ [rel.through!.near.name]: this.#key }).delete()
    else {
      this.#nullable('clear()')
      await this.#related({ [rel.targetKey.name]: this.#key }).update({ [rel.targetKey.name]: null } as never)
    }
    this.#changed([])
  }

  /** Make the related objects exactly `items` (in one transaction): unlink the others, link the new ones. */
  async set(items: readonly RelatedItem<M, N>[]): Promise<void> {
    const rel = this.#rel
    const ids = keysOf(items, rel.targetKey)
    await this.db.runner.atomic(this.#alias, async () => {
      if (rel.kind === 'manyToMany') {
        const { near, far } = rel.through!
        const current = await this.#through({ [near.name]: this.#key }).valuesList(far.attname as never, { flat: true })
        const wanted = new Set(ids)
        const gone = current.filter((id) => !wanted.has(id))
        if (gone.length) await this.#through({ [near.name]: this.#key, [far.name]: { in: gone } }).delete()
        const have = new Set(current)
        await this.#insertLinks([...wanted].filter((id) => !have.has(id as never)))
      } else {
        // A foreign key that cannot be null cannot let go of the others: set() then only adds (as in Django).
        if (rel.targetKey.nullable)
          await this.#related({ [rel.targetKey.name]: this.#key })
            .exclude({ pk: { in: ids } } as never)
            .update({ [rel.targetKey.name]: null } as never)
        if (ids.length) await this.#related({ pk: { in: ids } }).update({ [rel.targetKey.name]: this.#key } as never)
      }
    })
    this.#changed(items)
  }

  get #alias(): string {
    return this.state.using!
  }
  get #key(): unknown {
    return (this.instance as unknown as Row)[this.#rel.sourceKey.attname]
  }

  #related(filter: Row): QuerySet<M, N> {
    return new QuerySet<M, N>(this.db, {
      ...emptyState(this.#rel.target),
      using: this.#alias,
      site: NO_SITE,
      where: [{ input: filter, negate: false }],
    })
  }

  #through(filter: Row): QuerySet<Models, string> {
    return new QuerySet(this.db, {
      ...emptyState(this.#rel.through!.meta),
      using: this.#alias,
      site: NO_SITE,
      where: [{ input: filter, negate: false }],
    })
  }

  /** INSERT join rows, as many per statement as the bind-parameter limit allows. */
  async #insertLinks(ids: readonly unknown[], ignoreExisting = false): Promise<void> {
    if (ids.length === 0) return
    const { meta, near, far } = this.#rel.through!
    const extra = meta.concreteFields.filter((f) => f !== near && f !== far && !(f === meta.pk && f.dbGenerated))
    const fixed = extra.map((f) => {
      const v = f.getDefault() ?? (f.nullable ? null : undefined)
      if (v === undefined)
        throw new InvalidValueError(
          `${meta.name}.${f.name} has no default, so add() cannot create ${meta.name} rows. Create them with db.${meta.name}.create().`,
        )
      return v
    })
    const fields: Field[] = [near, far, ...extra]
    const per = Math.max(1, Math.floor(this.db.runner.features(this.#alias).maxBindParams / fields.length))
    for (let i = 0; i < ids.length; i += per) {
      const rows = ids.slice(i, i + per).map((id) => [this.#key, id, ...fixed])
      await this.db.runner.insert(this.#alias, meta, fields, rows, ignoreExisting ? { onConflict: {} } : {})
    }
  }

  #nullable(what: string): void {
    const f = this.#rel.targetKey
    if (!f.nullable)
      throw new InvalidValueError(
        `${f.qualifiedName} cannot be null, so ${this.#rel.source.name}.${this.#rel.name}.${what} cannot unlink rows. Delete them, or point them at another ${this.#rel.source.name}.`,
      )
  }

  /** After a write: what this instance (and the objects passed) had loaded of the relation is stale. */
  #changed(items: readonly unknown[]): void {
    forgetRelation(this.instance, this.#rel.name)
    const back = this.#rel.kind === 'manyToMany' ? this.#rel.back : undefined
    if (back) for (const it of items) if (isModelInstance(it)) forgetRelation(it, back)
  }
}

// Not in the type (so `for (const p of author.posts)` is a compile error), but a clear error at run time.
Object.defineProperty(RelatedManager.prototype, Symbol.iterator, {
  value(this: RelatedManager<Models, string>) {
    const name = `${metaOf(this.instance).name}.${this.relation.name}`
    throw new StateError(
      'RELATION_NOT_LOADED',
      `${name} was not prefetched, so it is a related manager, not an array. Add .prefetchRelated('${this.relation.name}') to the query, or use 'for await (const x of …)' / 'await' to run a query.`,
    )
  },
  configurable: true,
})

function managerState(rel: Relation, key: unknown, alias: string): QueryState {
  let filter: Row
  if (rel.kind === 'manyToMany') {
    // Filter the target through its accessor back to the source: an EXISTS on the join table.
    if (!rel.back)
      throw new StateError(
        'RELATED_NAME_REQUIRED',
        `${rel.source.name}.${rel.name} has relatedName '+', which its manager needs. Give it a relatedName, or use prefetchRelated('${rel.name}').`,
      )
    filter = { [rel.back]: key }
  } else filter = { [rel.targetKey.name]: key }
  return { ...emptyState(rel.target), using: alias, site: NO_SITE, where: [{ input: filter, negate: false }] }
}

function keysOf(items: readonly unknown[], targetKey: Field): unknown[] {
  return items.map((it) => {
    if (isModelInstance(it)) {
      // targetKey is the far side's key for many-to-many and the foreign key for reverse relations: want the pk.
      const attr = targetKey.model === metaOf(it) && !targetKey.isRelation ? targetKey.attname : metaOf(it).pk.attname
      const v = (it as unknown as Row)[attr]
      if (v === undefined || v === null)
        throw new StateError('NOT_SAVED', `Save this ${metaOf(it).name} before linking it.`)
      return v
    }
    if (it === null || it === undefined || typeof it === 'object')
      throw new InvalidValueError('Related objects are given as instances or primary keys.')
    return it
  })
}

import type { Field } from './fields/field.ts'
import type { RelationField } from './fields/relation-field.ts'
import type { ModelMeta, ReverseRelation } from './model-meta.ts'

/**
 * What an instance needs from the database that loaded it. Implemented by the query layer; declared here so
 * the model layer stays below it (DESIGN.md layers).
 */
export interface InstanceHost {
  saveInstance(inst: ModelInstance, options: { updateFields?: readonly string[]; forceInsert?: boolean }): Promise<void>
  deleteInstance(inst: ModelInstance): Promise<number>
  refreshInstance(inst: ModelInstance, fields?: readonly string[]): Promise<void>
  /**
   * Where user code touched an unloaded relation, if the host will need it (the N+1 detector names that line).
   * Called synchronously from the accessor: `await post.author` runs `then` later, with the user's frame gone.
   */
  accessSite?(inst: ModelInstance, relation: string): { readonly stack?: string } | undefined
  /** `await post.author` for an unloaded foreign key. */
  loadForward(
    inst: ModelInstance,
    field: RelationField,
    site?: { readonly stack?: string },
  ): Promise<ModelInstance | null>
  /** `author.posts` when not prefetched: a related manager. */
  relatedManager(inst: ModelInstance, rel: ReverseRelation | RelationField): unknown
  /** `user.profile` reverse one-to-one when not loaded. */
  loadReverseOne(
    inst: ModelInstance,
    rel: ReverseRelation,
    site?: { readonly stack?: string },
  ): Promise<ModelInstance | null>
}

export const HOST: unique symbol = Symbol('quarry.host')
export const STATE: unique symbol = Symbol('quarry.state')

/** Per-instance bookkeeping, created lazily (instances loaded from the database start without one). */
export interface InstanceState {
  /** Not saved yet. */
  adding: boolean
  /** Loaded relations: forward instances, prefetched arrays. */
  relations: RelationMap | null
  /** Data for fetch modes and the N+1 detector (set by the loading layer). */
  fetch: unknown
  /**
   * Eager loads being watched (only while the profiler listens): relation name → the record its read marks used.
   * Absent on every instance otherwise.
   */
  track?: Map<string, { used: boolean }>
}

/** Base class of every generated instance class. */
export class ModelInstance {
  declare [HOST]: InstanceHost | undefined
  declare [STATE]: InstanceState | undefined
  declare static meta: ModelMeta
  /** The fields whose columns were not selected by `only()` / `defer()` (on generated subclasses). */
  declare static deferred: ReadonlySet<string> | undefined
}

/** What the relation cache of an instance offers: a `Map` has it, and so has the lighter `Relations`. */
export interface RelationMap extends Iterable<[string, unknown]> {
  readonly size: number
  get(name: string): unknown
  has(name: string): boolean
  set(name: string, value: unknown): unknown
  delete(name: string): boolean
  clear(): void
}

/**
 * An instance's relation cache: a `Map`'s behaviour (insertion order included) for the handful of names one instance
 * ever holds, without a `Map` per instance. Most instances hold one relation (`post.author` joined, or set back by a
 * prefetch of `author.posts`): that one sits in two fields; more go to a `Map` made on demand. A `Map` per row was
 * most of what quarry allocated beyond the raw driver in W1 and W2 (bench/notes.md).
 */
export class Relations implements RelationMap {
  k0: string | undefined
  v0: unknown
  more: Map<string, unknown> | undefined
  constructor(name?: string, value?: unknown) {
    this.k0 = name
    this.v0 = value
    this.more = undefined
  }
  get size(): number {
    return (this.k0 === undefined ? 0 : 1) + (this.more?.size ?? 0)
  }
  get(name: string): unknown {
    return name === this.k0 ? this.v0 : this.more?.get(name)
  }
  has(name: string): boolean {
    return name === this.k0 || (this.more?.has(name) ?? false)
  }
  set(name: string, value: unknown): this {
    if (name === this.k0) this.v0 = value
    else if (this.k0 === undefined && !this.more?.size) {
      this.k0 = name
      this.v0 = value
    } else (this.more ??= new Map()).set(name, value)
    return this
  }
  delete(name: string): boolean {
    if (name !== this.k0) return this.more?.delete(name) ?? false
    // The first entry goes: the next oldest takes its place, so iteration keeps a Map's insertion order.
    const next = this.more?.size ? this.more.entries().next().value : undefined
    if (next) {
      this.k0 = next[0]
      this.v0 = next[1]
      this.more!.delete(next[0])
    } else {
      this.k0 = undefined
      this.v0 = undefined
    }
    return true
  }
  clear(): void {
    this.k0 = undefined
    this.v0 = undefined
    this.more = undefined
  }
  *[Symbol.iterator](): Iterator<[string, unknown]> {
    if (this.k0 !== undefined) yield [this.k0, this.v0]
    if (this.more) yield* this.more
  }
}

export function stateOf(inst: ModelInstance): InstanceState {
  let s = inst[STATE]
  if (!s) {
    s = { adding: false, relations: null, fetch: undefined }
    inst[STATE] = s
  }
  return s
}

export function metaOf(inst: ModelInstance): ModelMeta {
  return (inst.constructor as typeof ModelInstance).meta
}

export function relationCache(inst: ModelInstance): RelationMap {
  const s = stateOf(inst)
  if (!s.relations) s.relations = new Relations()
  return s.relations
}

/** Cache `value` as `inst`'s relation `name`: the state and its cache made in one step when the instance has neither. */
export function cacheRelation(inst: ModelInstance, name: string, value: unknown): void {
  const s = inst[STATE]
  if (s === undefined) inst[STATE] = { adding: false, relations: new Relations(name, value), fetch: undefined }
  else if (s.relations === null) s.relations = new Relations(name, value)
  else s.relations.set(name, value)
}

export function isModelInstance(v: unknown): v is ModelInstance {
  return v instanceof ModelInstance
}

export function pkValue(inst: ModelInstance): unknown {
  return (inst as unknown as Record<string, unknown>)[metaOf(inst).pk.attname]
}

export type { Field }

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
  relations: Map<string, unknown> | null
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

export function relationCache(inst: ModelInstance): Map<string, unknown> {
  const s = stateOf(inst)
  if (!s.relations) s.relations = new Map()
  return s.relations
}

export function isModelInstance(v: unknown): v is ModelInstance {
  return v instanceof ModelInstance
}

export function pkValue(inst: ModelInstance): unknown {
  return (inst as unknown as Record<string, unknown>)[metaOf(inst).pk.attname]
}

export type { Field }

import { DeferredFieldError, StateError } from '../errors.ts'
import type { Field } from './fields/field.ts'
import type { RelationField } from './fields/relation-field.ts'
import type { ModelMeta, ReverseRelation } from './model-meta.ts'
import { cacheRelation, HOST, type InstanceHost, ModelInstance, metaOf, pkValue, STATE, stateOf } from './runtime.ts'

function host(inst: ModelInstance): InstanceHost {
  const h = inst[HOST]
  if (!h)
    throw new StateError(
      'NO_DATABASE',
      `This ${metaOf(inst).name} is not attached to a database. Create it with db.${metaOf(inst).name}.build() or .create().`,
    )
  return h
}

/** Awaitable reference to an unloaded forward relation; `id` / `pk` need no query. */
class RelRef {
  readonly #inst: ModelInstance
  readonly #field: RelationField
  readonly #site: { readonly stack?: string } | undefined
  readonly id: unknown
  constructor(inst: ModelInstance, field: RelationField, id: unknown) {
    this.#inst = inst
    this.#field = field
    this.id = id
    // Only hosts that count lazy loads (multi-row results) capture; the plain host has no accessSite.
    this.#site = inst[HOST]?.accessSite?.(inst, field.name)
  }
  get pk(): unknown {
    return this.id
  }
  then<A, B>(ok?: (v: ModelInstance | null) => A, err?: (e: unknown) => B): Promise<A | B> {
    return host(this.#inst).loadForward(this.#inst, this.#field, this.#site).then(ok, err)
  }
  toJSON(): unknown {
    return this.id
  }
}

/** A read of an eager-loaded relation (accessor or serialisation) marks its load used, for the profiler. */
function markUsed(track: Map<string, { used: boolean }>, name: string): void {
  const load = track.get(name)
  if (load !== undefined) load.used = true
}

/** An instance's field values by attname (the generated classes define them as plain own properties). */
const fields = (inst: object) => inst as Record<string, unknown>

function forwardAccessor(field: RelationField): PropertyDescriptor {
  const name = field.name
  const att = field.attname
  return {
    get(this: ModelInstance) {
      const state = this[STATE]
      if (state?.track !== undefined) markUsed(state.track, name)
      const rel = state?.relations
      if (rel?.has(name)) {
        const cached = rel.get(name) as ModelInstance | null
        // A changed foreign key id invalidates the cached instance.
        if (cached === null ? fields(this)[att] == null : pkValue(cached) === fields(this)[att]) return cached
        rel.delete(name)
      }
      const id = fields(this)[att]
      if (id === null || id === undefined) return null
      return new RelRef(this, field, id)
    },
    set(this: ModelInstance, value: unknown) {
      if (value === null || value === undefined) {
        fields(this)[att] = null
        cacheRelation(this, name, null)
      } else if (value instanceof ModelInstance) {
        const id = pkValue(value)
        if (id === undefined || id === null)
          throw new StateError(
            'UNSAVED_RELATED',
            `Save the related ${metaOf(value).name} before assigning it to ${field.qualifiedName}.`,
          )
        fields(this)[att] = id
        cacheRelation(this, name, value)
      } else {
        fields(this)[att] = value
        this[STATE]?.relations?.delete(name)
      }
    },
    enumerable: false,
    configurable: true,
  }
}

function toManyAccessor(name: string, rel: ReverseRelation | RelationField): PropertyDescriptor {
  return {
    get(this: ModelInstance) {
      const state = this[STATE]
      if (state?.track !== undefined) markUsed(state.track, name)
      const cache = state?.relations
      if (cache?.has(name)) return cache.get(name)
      return host(this).relatedManager(this, rel)
    },
    enumerable: false,
    configurable: true,
  }
}

function reverseOneAccessor(rel: ReverseRelation): PropertyDescriptor {
  return {
    get(this: ModelInstance) {
      const state = this[STATE]
      if (state?.track !== undefined) markUsed(state.track, rel.name)
      const cache = state?.relations
      if (cache?.has(rel.name)) return cache.get(rel.name)
      const site = this[HOST]?.accessSite?.(this, rel.name)
      return {
        then: <A, B>(ok?: (v: ModelInstance | null) => A, err?: (e: unknown) => B) =>
          host(this).loadReverseOne(this, rel, site).then(ok, err),
      }
    },
    enumerable: false,
    configurable: true,
  }
}

/**
 * A subclass of `base` named `name`, with `statics` set. Written out as `class Post extends base {}` where the name is
 * an identifier: naming a class any other way (a computed key, `defineProperty(cls, 'name')`) turns the constructor's
 * properties into a dictionary, and V8 then allocates through a slow path. Mapping 1,000 posts with their authors took
 * ~400 µs with such classes and ~100 µs with these (bench/notes.md, W9).
 */
function namedSubclass(
  name: string,
  base: typeof ModelInstance,
  statics: Partial<Pick<typeof ModelInstance, 'meta' | 'deferred'>>,
): typeof ModelInstance {
  const cls = IDENTIFIER.test(name)
    ? (new Function('base', `"use strict"; return class ${name} extends base {}`)(base) as typeof ModelInstance)
    : { [name]: class extends base {} }[name]!
  Object.assign(cls, statics)
  return cls
}

const IDENTIFIER =
  /^(?!(?:await|break|case|catch|class|const|continue|debugger|default|delete|do|else|enum|export|extends|false|finally|for|function|if|implements|import|in|instanceof|interface|let|new|null|package|private|protected|public|return|static|super|switch|this|throw|true|try|typeof|var|void|while|with|yield|arguments|eval|base)$)[A-Za-z_$][\w$]*$/

/** Builds the class whose instances a model's rows become. Field values are plain own properties. */
export function buildInstanceClass(meta: ModelMeta): typeof ModelInstance {
  const cls = namedSubclass(meta.name, ModelInstance, { meta })
  const proto = cls.prototype
  for (const field of meta.fieldMap.values()) {
    if (field.kind === 'foreignKey' || field.kind === 'oneToOne')
      Object.defineProperty(proto, field.name, forwardAccessor(field as RelationField))
    else if (field.kind === 'manyToMany')
      Object.defineProperty(proto, field.name, toManyAccessor(field.name, field as RelationField))
  }
  for (const rel of meta.reverse.values())
    Object.defineProperty(proto, rel.name, rel.multiple ? toManyAccessor(rel.name, rel) : reverseOneAccessor(rel))
  Object.defineProperty(proto, 'pk', {
    get(this: ModelInstance) {
      return fields(this)[meta.pk.attname]
    },
    enumerable: false,
  })
  Object.assign(proto, instanceMethods)
  for (const k of Object.keys(instanceMethods)) Object.defineProperty(proto, k, { enumerable: false })
  return cls
}

const instanceMethods = {
  save(this: ModelInstance, options: { updateFields?: readonly string[]; forceInsert?: boolean } = {}) {
    return host(this).saveInstance(this, options)
  },
  delete(this: ModelInstance) {
    return host(this).deleteInstance(this)
  },
  refreshFromDb(this: ModelInstance, options: { fields?: readonly string[] } = {}) {
    return host(this).refreshInstance(this, options.fields)
  },
  toJSON(this: ModelInstance) {
    const meta = metaOf(this)
    const out: Record<string, unknown> = {}
    for (const f of meta.concreteFields) if (Object.hasOwn(this, f.attname)) out[f.attname] = fields(this)[f.attname]
    const state = this[STATE]
    const rel = state?.relations
    if (rel)
      for (const [k, v] of rel) {
        // Serialising a loaded relation is reading it: the profiler must not call it an unused eager load.
        if (state!.track !== undefined) markUsed(state!.track, k)
        out[k] = Array.isArray(v)
          ? v.map((x) => x?.toJSON?.() ?? x)
          : ((v as { toJSON?: () => unknown } | null)?.toJSON?.() ?? v)
      }
    return out
  },
}

const deferredClasses = new WeakMap<ModelMeta, Map<string, typeof ModelInstance>>()

/**
 * The class for rows loaded with some columns left out: reading one of those throws `DeferredFieldError`,
 * assigning it stores the value normally.
 */
export function deferredClass(meta: ModelMeta, deferred: readonly Field[]): typeof ModelInstance {
  if (deferred.length === 0) return meta.instanceClass as typeof ModelInstance
  const key = deferred
    .map((f) => f.attname)
    .sort()
    .join(',')
  let byKey = deferredClasses.get(meta)
  if (!byKey) deferredClasses.set(meta, (byKey = new Map()))
  let cls = byKey.get(key)
  if (cls) return cls
  cls = namedSubclass(meta.name, meta.instanceClass as typeof ModelInstance, {
    deferred: new Set(deferred.map((f) => f.attname)),
  })
  for (const f of deferred) {
    Object.defineProperty(cls.prototype, f.attname, {
      get() {
        throw new DeferredFieldError(meta.name, f.name)
      },
      set(this: object, v: unknown) {
        Object.defineProperty(this, f.attname, { value: v, writable: true, enumerable: true, configurable: true })
      },
      configurable: true,
    })
  }
  byKey.set(key, cls)
  return cls
}

export { HOST, ModelInstance, STATE, stateOf }

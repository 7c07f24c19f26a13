import { CacheError } from '../errors.ts'
import { deferredClass } from '../model/instance.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import { HOST, type InstanceHost, ModelInstance, metaOf, STATE } from '../model/runtime.ts'

/**
 * Where decoded model instances find their model and their database. A cache learns models from the instances it
 * encodes, and every model of a schema when it is passed to `connect(url, schema, { cache })` (which is how
 * another process can decode instances it never encoded).
 */
export class ModelRegistry {
  readonly #metas = new Map<string, ModelMeta>()
  #hosts: ((alias: string) => InstanceHost) | undefined

  /** Called by `connect()`: every model of the schema, and the database that decoded instances attach to. */
  bind(metas: Iterable<ModelMeta>, host: (alias: string) => InstanceHost): void {
    for (const m of metas) this.#metas.set(m.name, m)
    this.#hosts = host
  }
  learn(meta: ModelMeta): void {
    if (!this.#metas.has(meta.name)) this.#metas.set(meta.name, meta)
  }
  meta(name: string): ModelMeta {
    const m = this.#metas.get(name)
    if (!m)
      throw new CacheError(
        'CACHE_UNKNOWN_MODEL',
        `A cached value holds a ${name} instance, but this cache does not know the model. Pass the cache to connect(url, schema, { cache }).`,
      )
    return m
  }
  host(alias: string | undefined): InstanceHost | undefined {
    return alias === undefined ? undefined : this.#hosts?.(alias)
  }
}

// Tagged values are objects with this key; a plain object that has it is escaped.
const TAG = '~q'

interface EncodeState {
  tagged: boolean
  registry: ModelRegistry
}

/**
 * Values to strings and back, keeping their types. Plain JSON data is stored as 'J' + JSON (one `JSON.parse` to
 * read); anything with a Date, bigint, Map, Set, bytes or model instance as 'T' + JSON whose special values are
 * tagged objects; safe integers as their bare digits, so Redis can `INCRBY` them.
 *
 * @example
 * encode(new Map([['a', new Date(0)]]))   // 'T{"~q":"M","v":[["a",{"~q":"D","v":"1970-01-01T00:00:00.000Z"}]]}'
 */
export function encode(value: unknown, registry: ModelRegistry): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value)
  const state: EncodeState = { tagged: false, registry }
  const tree = prep(value, state)
  return (state.tagged ? 'T' : 'J') + JSON.stringify(tree)
}

export function decode(text: string, registry: ModelRegistry): unknown {
  const c = text.charCodeAt(0)
  if (c === 74 /* J */) return JSON.parse(text.slice(1))
  if (c === 84 /* T */) return revive(JSON.parse(text.slice(1)), registry)
  if ((c >= 48 && c <= 57) || c === 45 /* - */) return Number(text)
  throw new CacheError('CACHE_DECODE', 'A cached value is not in quarry’s format (written by something else?).')
}

function prep(v: unknown, s: EncodeState): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v
      s.tagged = true
      return { [TAG]: 'N', v: String(v === 0 ? '-0' : v) }
    case 'bigint':
      s.tagged = true
      return { [TAG]: 'B', v: v.toString() }
    case 'undefined':
      s.tagged = true
      return { [TAG]: 'u' }
    case 'object':
      break
    default:
      throw new CacheError('CACHE_ENCODE', `A ${typeof v} cannot be cached. Cache data, not behaviour.`)
  }
  if (v === null) return null
  if (Array.isArray(v)) {
    const out = new Array(v.length)
    for (let i = 0; i < v.length; i++) out[i] = prep(v[i], s)
    return out
  }
  const proto = Object.getPrototypeOf(v)
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v)) out[k] = prep((v as Record<string, unknown>)[k], s)
    if (TAG in out) {
      s.tagged = true
      return { [TAG]: 'O', v: out }
    }
    return out
  }
  s.tagged = true
  if (v instanceof Date) return { [TAG]: 'D', v: Number.isNaN(v.getTime()) ? null : v.toISOString() }
  if (v instanceof ModelInstance) return prepInstance(v, s)
  if (v instanceof Map) return { [TAG]: 'M', v: [...v].map(([k, x]) => [prep(k, s), prep(x, s)]) }
  if (v instanceof Set) return { [TAG]: 'S', v: [...v].map((x) => prep(x, s)) }
  if (Buffer.isBuffer(v)) return { [TAG]: 'b', v: v.toString('base64') }
  if (v instanceof Uint8Array)
    return { [TAG]: 'U', v: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') }
  throw new CacheError(
    'CACHE_ENCODE',
    `A ${proto?.constructor?.name ?? 'object'} cannot be cached: quarry caches plain data, Date, bigint, Map, Set, Uint8Array and model instances.`,
  )
}

function prepInstance(inst: ModelInstance, s: EncodeState): unknown {
  const meta = metaOf(inst)
  s.registry.learn(meta)
  const f: Record<string, unknown> = {}
  for (const k of Object.keys(inst)) f[k] = prep((inst as unknown as Record<string, unknown>)[k], s)
  // Deferred fields are getters on the class that throw; an assigned one became an own property (loaded).
  const deferred = (inst.constructor as typeof ModelInstance).deferred
  const d = deferred ? [...deferred].filter((a) => !Object.hasOwn(inst, a)) : []
  const rel = inst[STATE]?.relations
  const r = rel?.size ? [...rel].map(([k, x]) => [k, prep(x, s)]) : undefined
  const alias = (inst[HOST] as { alias?: string } | undefined)?.alias
  return { [TAG]: 'I', m: meta.name, a: alias, f, d, r }
}

function revive(v: unknown, registry: ModelRegistry): unknown {
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i], registry)
    return v
  }
  const o = v as Record<string, unknown>
  const tag = o[TAG]
  if (tag === undefined) {
    for (const k in o) o[k] = revive(o[k], registry)
    return o
  }
  switch (tag) {
    case 'D':
      return new Date(o.v === null ? Number.NaN : (o.v as string))
    case 'B':
      return BigInt(o.v as string)
    case 'N':
      return Number(o.v)
    case 'u':
      return undefined
    case 'M':
      return new Map((o.v as [unknown, unknown][]).map(([k, x]) => [revive(k, registry), revive(x, registry)]))
    case 'S':
      return new Set((o.v as unknown[]).map((x) => revive(x, registry)))
    case 'b':
      return Buffer.from(o.v as string, 'base64')
    case 'U':
      return new Uint8Array(Buffer.from(o.v as string, 'base64'))
    case 'O': {
      const inner = o.v as Record<string, unknown>
      for (const k in inner) inner[k] = revive(inner[k], registry)
      return inner
    }
    case 'I':
      return reviveInstance(o, registry)
    default:
      throw new CacheError('CACHE_DECODE', `Unknown tag '${String(tag)}' in a cached value.`)
  }
}

function reviveInstance(o: Record<string, unknown>, registry: ModelRegistry): ModelInstance {
  const meta = registry.meta(o.m as string)
  const names = new Set(o.d as string[])
  const deferred = meta.concreteFields.filter((f) => names.has(f.attname))
  const Cls = deferredClass(meta, deferred)
  const inst = new Cls() as ModelInstance & Record<string, unknown>
  const f = o.f as Record<string, unknown>
  for (const k in f) inst[k] = revive(f[k], registry)
  const host = registry.host(o.a as string | undefined)
  if (host) inst[HOST] = host
  const r = o.r as [string, unknown][] | undefined
  inst[STATE] = {
    adding: false,
    relations: r ? new Map(r.map(([k, x]) => [k, revive(x, registry)])) : null,
    fetch: undefined,
  }
  return inst
}

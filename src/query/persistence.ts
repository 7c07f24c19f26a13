import { DatabaseError, FieldError, InvalidValueError, StateError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import type { RelationField } from '../model/fields/relation-field.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import {
  cacheRelation,
  HOST,
  type InstanceHost,
  isModelInstance,
  type ModelInstance,
  metaOf,
  STATE,
  stateOf,
} from '../model/runtime.ts'
import type { Models } from '../model/schema.ts'
import { emptyState } from '../sql/query-state.ts'
import type { DbCore } from './db-core.ts'
import { QuerySet } from './query-set.ts'

type Row = Record<string, unknown>

/**
 * A new, unsaved instance from `create()` / `build()` data: defaults filled in, foreign keys given as an instance
 * or an id, unknown names refused.
 */
export function buildInstance(meta: ModelMeta, data: Row, host: InstanceHost): ModelInstance {
  if (data === null || typeof data !== 'object')
    throw new InvalidValueError(`${meta.name}: create() takes an object of field values.`)
  const inst = new meta.instanceClass() as ModelInstance & Row
  inst[HOST] = host
  stateOf(inst).adding = true
  for (const key of Object.keys(data)) {
    const f = meta.fieldMap.get(key) ?? meta.attnameMap.get(key)
    if (!f)
      throw new FieldError(`Unknown field '${key}' for ${meta.name}.`, [
        ...meta.fieldMap.keys(),
        ...meta.attnameMap.keys(),
      ])
    if (f.kind === 'manyToMany')
      throw new FieldError(`${meta.name}.${key} is many-to-many: save first, then call instance.${key}.set([...]).`)
  }
  for (const f of meta.concreteFields) {
    const isFk = f.attname !== f.name
    let v: unknown = isFk && data[f.name] !== undefined ? data[f.name] : data[f.attname]
    if (v === undefined) v = f.getDefault()
    if (v === undefined) v = f.nullable ? null : undefined
    if (isFk && isModelInstance(v))
      inst[f.name] = v // the accessor stores the id and caches the instance
    else inst[f.attname] = v
  }
  return inst
}

/** INSERT or UPDATE one instance (Django's `save()` semantics, `updateFields` included). */
export async function saveInstance(
  db: DbCore,
  alias: string,
  inst: ModelInstance,
  options: { updateFields?: readonly string[]; forceInsert?: boolean },
): Promise<void> {
  const meta = metaOf(inst)
  const row = inst as unknown as Row
  const state = stateOf(inst)
  const now = new Date()
  const loaded = (f: Field) => Object.hasOwn(row, f.attname)
  for (const f of meta.concreteFields) {
    if (f.kind !== 'datetime') continue
    if (f.options.autoNow || (f.options.autoNowAdd && (state.adding || options.forceInsert) && row[f.attname] == null))
      row[f.attname] = now
  }
  const pk = meta.pk
  const adding = options.forceInsert || state.adding || row[pk.attname] === undefined || row[pk.attname] === null
  if (!adding) {
    let fields = meta.concreteFields.filter((f) => f !== pk && loaded(f))
    if (options.updateFields) {
      const names = new Set(options.updateFields)
      for (const n of names)
        if (!meta.fieldMap.has(n) && !meta.attnameMap.has(n))
          throw new FieldError(
            `save({ updateFields }) names unknown field '${n}' of ${meta.name}.`,
            meta.concreteFields.map((f) => f.name),
          )
      fields = fields.filter((f) => names.has(f.name) || names.has(f.attname))
      if (fields.length === 0) return
    }
    const values: Row = {}
    for (const f of fields) values[f.attname] = row[f.attname]
    const byPk = { ...emptyState(meta), using: alias, where: [{ input: { pk: row[pk.attname] }, negate: false }] }
    const updated = fields.length === 0 ? await db.runner.count(byPk) : await db.runner.update(byPk, values)
    if (updated > 0) return
    if (options.updateFields)
      throw new DatabaseError(`save({ updateFields }) did not affect any row: no ${meta.name} with this primary key.`)
  }
  await insertOne(db, alias, meta, inst)
  state.adding = false
}

async function insertOne(db: DbCore, alias: string, meta: ModelMeta, inst: ModelInstance): Promise<void> {
  const row = inst as unknown as Row
  const pk = meta.pk
  const fields: Field[] = []
  const values: unknown[] = []
  for (const f of meta.concreteFields) {
    const v = row[f.attname]
    if (v === undefined) {
      if (f.dbGenerated) continue
      throw new InvalidValueError(`${meta.name}.${f.name} is required: give it a value, a default, or null: true.`)
    }
    fields.push(f)
    values.push(v)
  }
  const r = await db.runner.insert(alias, meta, fields, [values], { returning: pk.dbGenerated ? pk : undefined })
  if (pk.dbGenerated) row[pk.attname] = toPk('returned' in r ? r.returned : r.insertId)
}

const toPk = (v: unknown) =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v

/** Re-read fields of an instance from the database. */
export async function refreshInstance(
  db: DbCore,
  alias: string,
  inst: ModelInstance,
  fields?: readonly string[],
): Promise<void> {
  const meta = metaOf(inst)
  const row = inst as unknown as Row
  const pk = row[meta.pk.attname]
  if (pk === undefined || pk === null)
    throw new StateError('NOT_SAVED', `This ${meta.name} has no primary key yet: save() it first.`)
  let qs = new QuerySet(db, { ...emptyState(meta), using: alias })
  if (fields?.length) qs = qs.only(...(fields as never[]))
  const fresh = (await qs.get({ pk } as never)) as unknown as Row
  const rel = inst[STATE]?.relations
  for (const f of meta.concreteFields) {
    if (fields?.length && !fields.includes(f.name) && !fields.includes(f.attname)) continue
    if (!Object.hasOwn(fresh, f.attname)) continue
    Object.defineProperty(row, f.attname, {
      value: fresh[f.attname],
      writable: true,
      enumerable: true,
      configurable: true,
    })
    if (f.attname !== f.name) rel?.delete(f.name)
  }
  if (!fields?.length) rel?.clear()
}

/** The related instance of a forward foreign key, by one query (cached on the instance afterwards). */
export async function loadForwardOnce(
  db: DbCore,
  alias: string,
  inst: ModelInstance,
  field: RelationField,
): Promise<ModelInstance | null> {
  const id = (inst as unknown as Row)[field.attname]
  if (id === null || id === undefined) return null
  const obj = (await forwardQuerySet(db, alias, field.targetMeta).get({
    [field.targetField.name]: id,
  } as never)) as unknown as ModelInstance
  cacheRelation(inst, field.name, obj)
  return obj
}

/**
 * The QuerySet lazy forward loads read `target` through, one per database and alias: its get() shape and prepared
 * query are found once and then serve every load (a naive loop's `await post.author` built a QuerySet, its state and
 * its shape prefix per post).
 */
function forwardQuerySet(db: DbCore, alias: string, target: ModelMeta): QuerySet<Models, string> {
  let byAlias = forwardSets.get(db)
  if (byAlias === undefined) forwardSets.set(db, (byAlias = new Map()))
  let byModel = byAlias.get(alias)
  if (byModel === undefined) byAlias.set(alias, (byModel = new Map()))
  let qs = byModel.get(target)
  if (qs === undefined) byModel.set(target, (qs = new QuerySet(db, { ...emptyState(target), using: alias })))
  return qs
}

const forwardSets = new WeakMap<DbCore, Map<string, Map<ModelMeta, QuerySet<Models, string>>>>()

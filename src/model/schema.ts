import { ImproperlyConfigured } from '../errors.ts'
import { Field } from './fields/field.ts'
import { RelationField } from './fields/relation-field.ts'
import { buildInstanceClass } from './instance.ts'
import { type AnyModel, ModelDef, snakeCase } from './model.ts'
import { ModelMeta } from './model-meta.ts'

export type Models = Record<string, AnyModel>

/** Lookup names and instance members a field may not be called. */
const RESERVED = new Set([
  ...'exact iexact contains icontains startswith istartswith endswith iendswith in gt gte lt lte range isnull regex iregex'.split(
    ' ',
  ),
  'pk',
  'save',
  'delete',
  'refreshFromDb',
  'toJSON',
  'constructor',
  'then',
])

const lcfirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)

/** A set of bound models. Relations between them are resolved here, by name. */
export class Schema<M extends Models = Models> {
  declare readonly $models: M
  readonly #metas = new Map<string, ModelMeta>()

  constructor(models: M) {
    for (const [key, def] of Object.entries(models)) {
      if (!(def instanceof ModelDef)) throw new ImproperlyConfigured(`defineSchema: '${key}' is not a model().`)
      if (def.name !== key)
        throw new ImproperlyConfigured(
          `defineSchema: key '${key}' holds model '${def.name}'. Use the model's name as its key: { ${def.name} }.`,
        )
      this.#metas.set(def.name, new ModelMeta(def, def.options.table ?? snakeCase(def.name)))
    }
    for (const meta of [...this.#metas.values()]) this.#bindFields(meta)
    for (const meta of [...this.#metas.values()]) this.#resolveRelations(meta)
    for (const meta of this.#metas.values()) this.#checkOptions(meta)
    const tables = new Map<string, string>()
    for (const meta of this.#metas.values()) {
      const other = tables.get(meta.table)
      if (other) throw new ImproperlyConfigured(`Models ${other} and ${meta.name} both use table '${meta.table}'.`)
      tables.set(meta.table, meta.name)
      meta.instanceClass = buildInstanceClass(meta)
    }
  }

  /** The bound model by name. */
  get(name: string): ModelMeta {
    const m = this.#metas.get(name)
    if (!m)
      throw new ImproperlyConfigured(
        `No model '${name}' in this schema. Models: ${[...this.#metas.keys()].join(', ')}.`,
      )
    return m
  }
  has(name: string): boolean {
    return this.#metas.has(name)
  }
  /** Every model, auto-created join models included, in declaration order. */
  models(): ModelMeta[] {
    return [...this.#metas.values()]
  }
  /** User-declared models only (what `db.<Model>` exposes). */
  userModels(): ModelMeta[] {
    return this.models().filter((m) => !m.autoCreated)
  }

  #bindFields(meta: ModelMeta): void {
    const entries = Object.entries(meta.def.fields)
    const declaredPk = entries.filter(([, f]) => f.options.primaryKey)
    if (declaredPk.length > 1) throw new ImproperlyConfigured(`${meta.name} declares more than one primary key.`)
    if (declaredPk.length === 0) {
      if (meta.def.fields.id)
        throw new ImproperlyConfigured(`${meta.name}.id must set primaryKey: true, or be left out.`)
      entries.unshift(['id', new Field('auto', {})])
    }
    const columns = new Map<string, string>()
    for (const [name, field] of entries) {
      if (!(field instanceof Field)) throw new ImproperlyConfigured(`${meta.name}.${name} is not a field (use f.*).`)
      if (field.model && field.model !== meta)
        throw new ImproperlyConfigured(
          `${meta.name}.${name}: this field object is already bound to ${field.model.name}.`,
        )
      if (RESERVED.has(name) || name.includes('.') || name.startsWith('$') || name.startsWith('_'))
        throw new ImproperlyConfigured(
          `${meta.name}.${name}: '${name}' is reserved (a lookup name, an instance method, or has '.', '$' or a leading '_'). Rename the field.`,
        )
      field.name = name
      field.model = meta
      const isFk = field.kind === 'foreignKey' || field.kind === 'oneToOne'
      field.attname = isFk ? `${name}Id` : name
      field.column = field.options.column ?? (isFk ? `${snakeCase(name)}_id` : snakeCase(name))
      if (field.kind === 'string' && !(Number(field.options.maxLength) > 0))
        throw new ImproperlyConfigured(
          `${meta.name}.${name}: f.string needs maxLength (use f.text for unbounded text).`,
        )
      if (
        field.kind === 'decimal' &&
        !(Number(field.options.maxDigits) > 0 && Number(field.options.decimalPlaces) >= 0)
      )
        throw new ImproperlyConfigured(`${meta.name}.${name}: f.decimal needs maxDigits and decimalPlaces.`)
      meta.fieldMap.set(name, field)
      if (field.attname !== name) {
        if (meta.def.fields[field.attname])
          throw new ImproperlyConfigured(`${meta.name}.${field.attname} clashes with the foreign key ${name}'s id.`)
        meta.attnameMap.set(field.attname, field)
      }
      if (field.concrete) {
        const clash = columns.get(field.column)
        if (clash)
          throw new ImproperlyConfigured(`${meta.name}.${name} and ${clash} both use column '${field.column}'.`)
        columns.set(field.column, name)
        meta.concreteFields.push(field)
      }
      if (field.primaryKey) meta.pk = field
    }
  }

  #resolveRelations(meta: ModelMeta): void {
    for (const field of meta.forwardRelations) {
      const target = this.#metas.get(field.target)
      if (!target)
        throw new ImproperlyConfigured(
          `${meta.name}.${field.name} points at unknown model '${field.target}'. Known: ${[...this.#metas.keys()].join(', ')}.`,
        )
      field.targetMeta = target
      const rn =
        field.options.relatedName ?? (field.kind === 'oneToOne' ? lcfirst(meta.name) : `${lcfirst(meta.name)}Set`)
      field.relatedName = rn
      if (field.kind === 'manyToMany') this.#bindThrough(meta, field)
      if (rn === '+') continue
      if (target.fieldMap.has(rn) || target.attnameMap.has(rn) || target.reverse.has(rn) || RESERVED.has(rn))
        throw new ImproperlyConfigured(
          `Reverse relation '${rn}' of ${meta.name}.${field.name} clashes with ${target.name}.${rn}. Set relatedName on ${meta.name}.${field.name}.`,
        )
      target.reverse.set(rn, {
        name: rn,
        field,
        related: meta,
        kind: field.kind as 'foreignKey',
        multiple: field.kind !== 'oneToOne',
      })
    }
  }

  #bindThrough(meta: ModelMeta, field: RelationField): void {
    const target = field.targetMeta
    if (field.options.through) {
      const through = this.#metas.get(field.options.through)
      if (!through)
        throw new ImproperlyConfigured(
          `${meta.name}.${field.name}: through model '${field.options.through}' is not in the schema.`,
        )
      const fks = [...(through.def.fields ? Object.values(through.def.fields) : [])].filter(
        (f): f is RelationField => f instanceof RelationField && f.kind === 'foreignKey',
      )
      const src = fks.find((f) => f.target === meta.name)
      const dst = fks.find((f) => f.target === target.name && f !== src)
      if (!src || !dst)
        throw new ImproperlyConfigured(
          `${meta.name}.${field.name}: through model ${through.name} needs a foreign key to ${meta.name} and one to ${target.name}.`,
        )
      field.throughMeta = through
      field.throughSource = src
      field.throughTarget = dst
      return
    }
    const self = meta === target
    const srcName = self ? `from${meta.name}` : lcfirst(meta.name)
    const dstName = self ? `to${target.name}` : lcfirst(target.name)
    const fields = {
      [srcName]: new RelationField('foreignKey', meta.name, { onDelete: 'cascade', relatedName: '+' }),
      [dstName]: new RelationField('foreignKey', target.name, { onDelete: 'cascade', relatedName: '+' }),
    }
    const def = new ModelDef(`${meta.name}_${field.name}`, fields, {
      table: `${meta.table}_${snakeCase(field.name)}`,
      uniqueTogether: [[srcName, dstName]],
    })
    const through = new ModelMeta(def, def.options.table!)
    through.autoCreated = true
    this.#metas.set(def.name, through)
    this.#bindFields(through)
    for (const fk of through.forwardRelations) {
      fk.targetMeta = this.#metas.get(fk.target)!
      fk.relatedName = '+'
    }
    through.uniqueTogether = [[srcName, dstName]]
    field.throughMeta = through
    field.throughSource = fields[srcName] as RelationField
    field.throughTarget = fields[dstName] as RelationField
  }

  #checkOptions(meta: ModelMeta): void {
    const o = meta.def.options
    const known = (name: string, what: string) => {
      if (!meta.fieldMap.has(name) && !meta.attnameMap.has(name) && name !== 'pk')
        throw new ImproperlyConfigured(`${meta.name} ${what} names unknown field '${name}'.`)
    }
    meta.ordering = o.ordering ?? []
    for (const o2 of meta.ordering) {
      const path = o2.replace(/^-/, '')
      if (!path.includes('.')) known(path, 'ordering')
    }
    meta.indexes = [...(o.indexes ?? [])]
    for (const ix of meta.indexes) for (const f of ix.fields) known(f.replace(/^-/, ''), 'index')
    if (!meta.autoCreated) meta.uniqueTogether = [...(o.uniqueTogether ?? [])]
    for (const set of meta.uniqueTogether) for (const f of set) known(f, 'uniqueTogether')
  }
}

/**
 * Bind models into a schema: resolves string references, derives reverse relations, checks names.
 *
 * @example
 * export const schema = defineSchema({ Author, Post, Tag })
 */
export function defineSchema<const M extends Models>(models: M): Schema<M> {
  return new Schema(models)
}

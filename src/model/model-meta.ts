import { FieldError } from '../errors.ts'
import type { Field } from './fields/field.ts'
import type { RelationField } from './fields/relation-field.ts'
import type { IndexDef, ModelDef } from './model.ts'

/** A relation seen from its target: `Author.posts` for `Post.author`. */
export interface ReverseRelation {
  name: string
  /** The forward field on the related model. */
  field: RelationField
  /** The model that holds the forward field. */
  related: ModelMeta
  kind: 'foreignKey' | 'oneToOne' | 'manyToMany'
  /** Returns many rows (reverse foreign key, either side of many-to-many). */
  multiple: boolean
}

/** Everything the ORM needs to know about one bound model. Built once by `defineSchema`. */
export class ModelMeta {
  readonly name: string
  readonly def: ModelDef
  table: string
  pk!: Field
  /** Fields with a column, primary key first, in declaration order. */
  concreteFields: Field[] = []
  /** All forward fields by name, many-to-many included. */
  readonly fieldMap = new Map<string, Field>()
  /** Forward fields by attname (`authorId`) too. */
  readonly attnameMap = new Map<string, Field>()
  readonly reverse = new Map<string, ReverseRelation>()
  ordering: readonly string[] = []
  indexes: IndexDef[] = []
  uniqueTogether: (readonly string[])[] = []
  /** Auto-created join model of a many-to-many field. */
  autoCreated = false
  /** The instance class, set by `instance.ts`. */
  instanceClass!: new () => object

  constructor(def: ModelDef, table: string) {
    this.name = def.name
    this.def = def
    this.table = table
  }

  get forwardRelations(): RelationField[] {
    return [...this.fieldMap.values()].filter((f) => f.isRelation) as RelationField[]
  }

  /** A forward field by name, attname or `pk`, or undefined (filters and lookups: the caller says what is wrong). */
  findField(name: string): Field | undefined {
    return name === 'pk' ? this.pk : (this.fieldMap.get(name) ?? this.attnameMap.get(name))
  }

  /** A forward field by name (or attname); throws `FieldError` listing the choices. */
  field(name: string): Field {
    const f = this.fieldMap.get(name) ?? this.attnameMap.get(name)
    if (!f) throw new FieldError(`Unknown field '${name}' on ${this.name}.`, this.fieldNames())
    return f
  }

  /** Every name usable in a filter: fields, attnames, reverse relations, `pk`. */
  fieldNames(): string[] {
    return [...this.fieldMap.keys(), ...this.reverse.keys(), 'pk']
  }
}

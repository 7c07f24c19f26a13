import type { ModelMeta } from '../model-meta.ts'

/** Every kind of field quarry knows. `auto` is the implicit 64-bit auto-increment primary key. */
export type FieldKind =
  | 'auto'
  | 'string'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'datetime'
  | 'date'
  | 'json'
  | 'uuid'
  | 'enum'
  | 'foreignKey'
  | 'oneToOne'
  | 'manyToMany'

export interface FieldOptions<T> {
  /** The column accepts NULL (and the instance type includes `null`). */
  null?: boolean
  /** A value, or a function called once per new instance. */
  default?: T | (() => T)
  unique?: boolean
  /** Index the column (foreign keys always are). */
  dbIndex?: boolean
  primaryKey?: boolean
  /** Column name; default: snake_case of the field name. */
  column?: string
}

export interface AllFieldOptions extends FieldOptions<unknown> {
  maxLength?: number
  maxDigits?: number
  decimalPlaces?: number
  choices?: readonly string[]
  autoNow?: boolean
  autoNowAdd?: boolean
}

/**
 * A model field. The type parameters carry what the field means to TypeScript:
 * `T` the value read from an instance (without null), `N` whether it is nullable,
 * `O` whether `create()` may omit it (it has a default, is nullable or is filled in by the database),
 * `P` whether it is the declared primary key.
 */
export class Field<T = unknown, N extends boolean = boolean, O extends boolean = boolean, P extends boolean = boolean> {
  declare readonly $type: T
  declare readonly $null: N
  declare readonly $optional: O
  /** Declared `primaryKey: true`. */
  declare readonly $pk: P

  readonly kind: FieldKind
  readonly options: AllFieldOptions
  /** Set by `defineSchema`. */
  name = ''
  column = ''
  /** The property holding the stored value: the name, or `authorId` for a foreign key `author`. */
  attname = ''
  model!: ModelMeta

  constructor(kind: FieldKind, options: AllFieldOptions) {
    this.kind = kind
    this.options = options
  }

  get nullable(): boolean {
    return this.options.null === true
  }
  get primaryKey(): boolean {
    return this.kind === 'auto' || this.options.primaryKey === true
  }
  get unique(): boolean {
    return this.primaryKey || this.options.unique === true
  }
  /** Has a column in the model's own table (everything but many-to-many). */
  get concrete(): boolean {
    return this.kind !== 'manyToMany'
  }
  get isRelation(): boolean {
    return this.kind === 'foreignKey' || this.kind === 'oneToOne' || this.kind === 'manyToMany'
  }
  get hasDefault(): boolean {
    return this.options.default !== undefined
  }
  /** The default for a new instance: `undefined` when there is none. */
  getDefault(): unknown {
    const d = this.options.default
    return typeof d === 'function' ? (d as () => unknown)() : d
  }
  /** The database fills it in on insert (auto-increment primary key). */
  get dbGenerated(): boolean {
    return this.kind === 'auto'
  }
  get qualifiedName(): string {
    return this.model ? `${this.model.name}.${this.name}` : this.name
  }
}

export type AnyField = Field<any, boolean, boolean, boolean>

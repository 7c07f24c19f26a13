import type { ModelMeta } from '../model-meta.ts'
import { type AllFieldOptions, Field } from './field.ts'

export type OnDelete = 'cascade' | 'setNull' | 'restrict' | 'protect' | 'noAction'
export type RelationKind = 'foreignKey' | 'oneToOne' | 'manyToMany'

export interface RelationOptions extends AllFieldOptions {
  /** Name of the reverse accessor on the target; default `<model>Set` (`'+'`: none). */
  relatedName?: string
  onDelete?: OnDelete
  /** Many-to-many through an explicit model with two foreign keys. */
  through?: string
  /** Target field a foreign key points at; default the target's primary key. */
  toField?: string
}

/**
 * A relation to another model, named by string so models can refer to each other in any order.
 * Type parameters: target model name, nullability, relation kind, reverse accessor name.
 */
export class RelationField<
  Target extends string = string,
  N extends boolean = boolean,
  K extends RelationKind = RelationKind,
  RN extends string = string,
> extends Field<never, N, N, false> {
  declare readonly $target: Target
  declare readonly $relKind: K
  declare readonly $relatedName: RN
  declare readonly options: RelationOptions

  readonly target: Target
  /** Resolved by `defineSchema`. */
  targetMeta!: ModelMeta
  /** For many-to-many: the join model (auto-created or `through`), and its two foreign keys. */
  throughMeta?: ModelMeta
  throughSource?: RelationField
  throughTarget?: RelationField
  relatedName = ''

  constructor(kind: K, target: Target, options: RelationOptions) {
    super(kind, options)
    this.target = target
  }

  get onDelete(): OnDelete {
    return this.options.onDelete ?? 'cascade'
  }
  override get unique(): boolean {
    return this.kind === 'oneToOne' || super.unique
  }
  /** The field on the target a foreign key stores (its primary key unless `toField`). */
  get targetField(): Field {
    return this.options.toField ? this.targetMeta.field(this.options.toField) : (this.targetMeta.pk as unknown as Field)
  }
}

export type AnyRelationField = RelationField<string, boolean, RelationKind, string>

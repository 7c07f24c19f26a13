import type { Models } from '../model/schema.ts'
import type { AddPath, FieldPath, FieldsOf, Filter, Instance, PathValue } from '../model/types.ts'
import type { Aggregate, FieldRef, QNode } from '../sql/expressions.ts'

// The types of QuerySet's type parameters: what a query yields as it is chained.

/** Filter object for model N, also accepting annotation names. */
export type FilterArg<M extends Models, N extends keyof M & string, A> =
  | (Filter<M, N> & { [K in keyof A]?: A[K] | Record<string, unknown> })
  | QNode

/** Result type of an annotation expression. */
export type AnnotationValue<M extends Models, N extends keyof M & string, X> =
  X extends Aggregate<infer T, infer P>
    ? T extends 'minmax'
      ? PathValue<M, N, P> | null
      : T
    : X extends FieldRef
      ? number
      : unknown

export type Annotated<M extends Models, N extends keyof M & string, X> = {
  -readonly [K in keyof X]: AnnotationValue<M, N, X[K]>
}

/** The row a QuerySet yields: an instance (with loaded relations `L` and annotations `A`) or a values row `V`. */
export type RowOf<M extends Models, N extends keyof M & string, L, A, V> = [V] extends [undefined]
  ? Instance<M, N, L> & A
  : V

/** `values()` with no fields: every column, foreign keys as ids. */
export type PlainRow<M extends Models, N extends keyof M & string> = {
  [K in FieldPath<M, N> as K extends `${string}.${string}` | 'pk'
    ? never
    : K extends keyof FieldsOf<M, N>
      ? FieldsOf<M, N>[K] extends { kind: 'manyToMany' | 'foreignKey' | 'oneToOne' }
        ? never
        : K
      : K]: PathValue<M, N, K & string>
}

export type Path<M extends Models, N extends keyof M & string, A> = FieldPath<M, N> | (keyof A & string)
export type ValueAt<M extends Models, N extends keyof M & string, A, P> = P extends keyof A
  ? A[P]
  : PathValue<M, N, P & string>

export type AddPaths<L, P extends string> = [P] extends [never] ? L : UnionAdd<L, P>
type UnionAdd<L, P extends string> = (P extends unknown ? (x: AddPath<L, P>) => void : never) extends (
  x: infer I,
) => void
  ? I
  : L

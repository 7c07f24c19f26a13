/**
 * Query expression descriptors: what `F`, `Q` and the aggregates *mean*, with no SQL in them. The resolver
 * turns them into AST nodes.
 */

export type ArithOp = '+' | '-' | '*' | '/'

/** Base of every expression usable as a filter value, an update value or an annotation. */
export abstract class Expression {
  declare readonly $expression: true
}

/** A reference to a field of the row (or an annotation), `F('views')`, with arithmetic. */
export class FieldRef extends Expression {
  readonly path: string
  constructor(path: string) {
    super()
    this.path = path
  }
  add(v: number | Expression): Arith {
    return new Arith('+', this, v)
  }
  sub(v: number | Expression): Arith {
    return new Arith('-', this, v)
  }
  mul(v: number | Expression): Arith {
    return new Arith('*', this, v)
  }
  div(v: number | Expression): Arith {
    return new Arith('/', this, v)
  }
  asc(options: NullsOptions = {}): OrderBy {
    return new OrderBy(this, false, options)
  }
  desc(options: NullsOptions = {}): OrderBy {
    return new OrderBy(this, true, options)
  }
}

export class Arith extends FieldRef {
  readonly op: ArithOp
  readonly lhs: Expression
  readonly rhs: number | Expression
  constructor(op: ArithOp, lhs: Expression, rhs: number | Expression) {
    super('')
    this.op = op
    this.lhs = lhs
    this.rhs = rhs
  }
}

export interface NullsOptions {
  nullsFirst?: boolean
  nullsLast?: boolean
}

export class OrderBy {
  readonly expr: Expression
  readonly descending: boolean
  readonly nulls: 'first' | 'last' | undefined
  constructor(expr: Expression, descending: boolean, options: NullsOptions) {
    this.expr = expr
    this.descending = descending
    this.nulls = options.nullsFirst ? 'first' : options.nullsLast ? 'last' : undefined
  }
}

export type AggregateName = 'Count' | 'Sum' | 'Avg' | 'Min' | 'Max'

export interface AggregateOptions {
  distinct?: boolean
  /** Only rows of the related model matching this filter count. */
  filter?: Record<string, unknown> | QNode
}

/** `Count('posts')`, `Sum('views')`… The type parameter is the result type. */
export class Aggregate<T = unknown, P extends string = string> extends Expression {
  declare readonly $result: T
  readonly fn: AggregateName
  readonly path: P
  readonly options: AggregateOptions
  constructor(fn: AggregateName, path: P, options: AggregateOptions = {}) {
    super()
    this.fn = fn
    this.path = path
    this.options = options
  }
}

/** A boolean combination of filters: `Q.or({ a: 1 }, { b: 2 })`. */
export class QNode {
  readonly op: 'and' | 'or' | 'not'
  readonly children: readonly (Record<string, unknown> | QNode)[]
  constructor(op: 'and' | 'or' | 'not', children: readonly (Record<string, unknown> | QNode)[]) {
    this.op = op
    this.children = children
  }
}

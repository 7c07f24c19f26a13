import type { Expr } from './expression-nodes.ts'

export interface TableRef {
  readonly table: string
  readonly alias: string
}

export interface JoinNode extends TableRef {
  readonly type: 'INNER' | 'LEFT'
  readonly on: Expr
}

export interface OrderNode {
  readonly e: Expr
  readonly desc: boolean
  readonly nulls?: 'first' | 'last' | undefined
}

export interface SelectColumn {
  readonly e: Expr
  readonly alias?: string | undefined
}

export interface LockNode {
  readonly noWait?: boolean
  readonly skipLocked?: boolean
  readonly of?: readonly string[]
}

/** `SELECT … FROM … JOIN … WHERE … GROUP BY … HAVING … ORDER BY … LIMIT … OFFSET …` */
export interface SelectNode {
  readonly k: 'select'
  readonly from: TableRef | { readonly sub: SelectNode; readonly alias: string }
  readonly joins: readonly JoinNode[]
  readonly columns: readonly SelectColumn[]
  readonly where?: Expr | undefined
  readonly groupBy?: readonly Expr[] | undefined
  readonly having?: Expr | undefined
  readonly orderBy?: readonly OrderNode[] | undefined
  readonly distinct?: boolean | undefined
  readonly limit?: Expr | undefined
  readonly offset?: Expr | undefined
  readonly lock?: LockNode | undefined
}

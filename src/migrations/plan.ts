import type { Backend } from '../backends/backend.ts'
import { MigrationError, NotSupportedError } from '../errors.ts'
import { bindParams } from '../sql/compiled-query.ts'
import type { SqlFragment } from '../sql/sql-tag.ts'
import { noRenames, type Renames, type SqlStep, schemaDiff } from './ddl.ts'
import type { MigrationGraph, MigrationNode } from './graph.ts'
import { describe, type Operation, type RunCodeFn } from './operations/operation.ts'
import { stateForwards } from './operations/state-forwards.ts'
import type { ProjectState } from './state.ts'

/** A data migration step: runs `code` with the models of `state`. */
export interface CodeStep {
  kind: 'code'
  code: RunCodeFn
  state: ProjectState
}
export type Step = (SqlStep & { fragment?: SqlFragment }) | CodeStep

export interface OperationSteps {
  operation: Operation
  description: string
  steps: Step[]
}

/** A reverse that does nothing: `op.runSql(sql, { reverse: noop })`, `op.runCode(fn, { reverse: noop })`. */
export const noop: RunCodeFn = () => {}

/**
 * The statements (and data steps) one migration runs, forwards or backwards, in order. `migrate` runs exactly
 * these; `sqlmigrate` prints them. Irreversible operations are refused here, before anything runs.
 */
export function migrationSteps(
  backend: Backend,
  graph: MigrationGraph,
  node: MigrationNode,
  backwards: boolean,
): OperationSteps[] {
  const states: ProjectState[] = [graph.stateAt(node.parents)]
  const ops = node.migration.operations
  ops.forEach((o, i) => {
    const next = states[i]!.clone()
    try {
      stateForwards(next, o)
    } catch (e) {
      throw new MigrationError(
        'MIGRATION_STATE',
        `${node.file}, operation ${i + 1} (${o.type}): ${(e as Error).message}`,
      )
    }
    states.push(next)
  })
  if (!backwards)
    return ops.map((o, i) => ({
      operation: o,
      description: describe(o),
      steps: named(node, i, () => opSteps(backend, o, states[i]!, states[i + 1]!, false)),
    }))
  const irreversible = ops
    .map((o, i) => [o, i] as const)
    .filter(([o]) => (o.type === 'runSql' || o.type === 'runCode') && (o.reverse === null || o.reverse === undefined))
  if (irreversible.length)
    throw new MigrationError(
      'MIGRATION_IRREVERSIBLE',
      `${node.file} cannot be unapplied: operation ${irreversible.map(([o, i]) => `${i + 1} (${describe(o)})`).join(', ')} has no reverse. Nothing was run. Give it { reverse: … } (or noop), or migrate to a later target.`,
    )
  const out: OperationSteps[] = []
  for (let i = ops.length - 1; i >= 0; i--) {
    const o = ops[i]!
    out.push({
      operation: o,
      description: `Undo ${describe(o)}`,
      steps: named(node, i, () => opSteps(backend, o, states[i]!, states[i + 1]!, true)),
    })
  }
  return out
}

/** An operation the database cannot do, named by file and position. */
function named<T>(node: MigrationNode, i: number, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof NotSupportedError) throw new NotSupportedError(`${node.file}, operation ${i + 1}: ${e.message}`)
    throw e
  }
}

function opSteps(
  backend: Backend,
  o: Operation,
  before: ProjectState,
  after: ProjectState,
  backwards: boolean,
): Step[] {
  if (o.type === 'runSql') {
    const text = backwards ? o.reverse : o.sql
    if (text === null || text === undefined || (text as unknown) === noop) return []
    return [sqlStep(backend, text)]
  }
  if (o.type === 'runCode') {
    const code = backwards ? o.reverse : o.code
    if (!code || code === noop) return []
    return [{ kind: 'code', code, state: backwards ? after : before }]
  }
  const renames = renamesOf(o)
  const concurrently = (o.type === 'addIndex' || o.type === 'removeIndex') && o.concurrently === true
  if (!backwards) return schemaDiff(backend, before, after, renames, { concurrently })
  return schemaDiff(backend, after, before, invert(renames), { concurrently })
}

function sqlStep(backend: Backend, text: SqlFragment | string): Step {
  if (typeof text === 'string') return { kind: 'sql', sql: text, params: [] }
  if (typeof (text as Partial<SqlFragment>)?.toNode !== 'function')
    throw new MigrationError('MIGRATION_LOAD', 'runSql takes the sql tag (sql`…`) or a string of trusted DDL.')
  const params: unknown[] = []
  const compiled = backend.compiler.compile(text.toNode(params))
  return { kind: 'sql', sql: compiled.sql, params: bindParams(compiled, params), fragment: text }
}

/** Renames an operation carries, as to-side → from-side names. */
function renamesOf(o: Operation): Renames {
  if (o.type === 'renameModel') return { models: new Map([[o.newName, o.oldName]]), fields: new Map() }
  if (o.type === 'renameField')
    return { models: new Map(), fields: new Map([[o.model, new Map([[o.newName, o.oldName]])]]) }
  return noRenames
}

function invert(r: Renames): Renames {
  const models = new Map([...r.models].map(([a, b]) => [b, a]))
  const fields = new Map(
    [...r.fields].map(([m, map]) => [models.get(m) ?? m, new Map([...map].map(([a, b]) => [b, a]))] as const),
  )
  return { models, fields }
}

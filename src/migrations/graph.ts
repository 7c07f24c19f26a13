import { MigrationError } from '../errors.ts'
import type { Migration } from './migration.ts'
import { stateForwards } from './operations/state-forwards.ts'
import { ProjectState } from './state.ts'

export interface MigrationNode {
  name: string
  /** The file it came from (for messages). */
  file: string
  migration: Migration
  parents: string[]
  children: string[]
}

/**
 * The migrations and their dependencies (Django's model: each migration names its parents). Built by the loader;
 * checks that every dependency exists and that there is no cycle.
 */
export class MigrationGraph {
  readonly nodes = new Map<string, MigrationNode>()

  constructor(
    entries: readonly { name: string; file: string; migration: Migration }[],
    applied: ReadonlySet<string> = new Set(),
  ) {
    const all = new Map(entries.map((e) => [e.name, e]))
    // A squashed migration stands in for the ones it replaces when all or none of those are applied.
    const replaced = new Map<string, string>()
    for (const e of entries) {
      const r = e.migration.replaces ?? []
      if (r.length === 0) continue
      const done = r.filter((n) => applied.has(n)).length
      if (done === 0 || done === r.length) for (const n of r) replaced.set(n, e.name)
      else all.delete(e.name)
    }
    for (const n of replaced.keys()) all.delete(n)
    for (const e of all.values()) this.nodes.set(e.name, { ...e, parents: [], children: [] })
    for (const node of this.nodes.values())
      for (const dep of node.migration.dependencies) {
        const target = replaced.get(dep) ?? dep
        if (target === node.name) continue
        const parent = this.nodes.get(target)
        if (!parent)
          throw new MigrationError(
            'MIGRATION_NODE_NOT_FOUND',
            `Migration ${node.file} depends on '${dep}', which does not exist. Add the missing file to the migrations folder or fix the dependencies list.`,
          )
        if (!node.parents.includes(target)) node.parents.push(target)
        parent.children.push(node.name)
      }
    this.#checkCycles()
  }

  #checkCycles(): void {
    const state = new Map<string, 1 | 2>()
    const stack: string[] = []
    const visit = (name: string) => {
      const s = state.get(name)
      if (s === 2) return
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(name)), name]
        throw new MigrationError(
          'MIGRATION_CYCLE',
          `Migrations depend on each other in a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`,
        )
      }
      state.set(name, 1)
      stack.push(name)
      for (const p of this.node(name).parents) visit(p)
      stack.pop()
      state.set(name, 2)
    }
    for (const n of [...this.nodes.keys()].sort()) visit(n)
  }

  node(name: string): MigrationNode {
    const n = this.nodes.get(name)
    if (!n) throw new MigrationError('MIGRATION_NODE_NOT_FOUND', `No migration named '${name}'.`)
    return n
  }

  /** Migrations no other migration depends on. More than one means two branches were merged. */
  leaves(): string[] {
    return [...this.nodes.values()]
      .filter((n) => n.children.length === 0)
      .map((n) => n.name)
      .sort()
  }

  /** Throws the conflict error when two migrations share a parent and nothing merges them. */
  assertNoConflicts(): void {
    const leaves = this.leaves()
    if (leaves.length > 1)
      throw new MigrationError(
        'MIGRATION_CONFLICT',
        `Conflicting migrations: ${leaves.join(' and ')} have no migration after them (two branches each added one). Run \`quarry makemigrations --merge\` to write the merge migration.`,
      )
  }

  /**
   * A name, a unique prefix (`0002`), or `zero`. Unknown or ambiguous names are errors that list the choices.
   */
  resolve(target: string): string {
    if (this.nodes.has(target)) return target
    const matches = [...this.nodes.keys()].filter((n) => n.startsWith(target)).sort()
    if (matches.length === 1) return matches[0]!
    const names = [...this.nodes.keys()].sort().join(', ') || '(none)'
    if (matches.length > 1)
      throw new MigrationError(
        'MIGRATION_NODE_NOT_FOUND',
        `'${target}' matches ${matches.join(', ')}: give more of the name.`,
      )
    throw new MigrationError(
      'MIGRATION_NODE_NOT_FOUND',
      `No migration '${target}'. Migrations: ${names}; or 'zero' to unapply everything.`,
    )
  }

  /** `name` and everything it depends on, parents first (ties broken by name, so the order is stable). */
  forwardsPlan(targets: readonly string[]): string[] {
    const out: string[] = []
    const seen = new Set<string>()
    const visit = (name: string) => {
      if (seen.has(name)) return
      seen.add(name)
      for (const p of [...this.node(name).parents].sort()) visit(p)
      out.push(name)
    }
    for (const t of [...targets].sort()) visit(t)
    return out
  }

  /** Every migration in dependency order. */
  all(): string[] {
    return this.forwardsPlan([...this.nodes.keys()])
  }

  /** Everything that depends on `name`, directly or not (not `name` itself). */
  descendants(name: string): Set<string> {
    const out = new Set<string>()
    const walk = (n: string) => {
      for (const c of this.node(n).children)
        if (!out.has(c)) {
          out.add(c)
          walk(c)
        }
    }
    walk(name)
    return out
  }

  /** The models after `names` (and what they depend on) are applied, from empty. */
  stateAt(names: readonly string[]): ProjectState {
    const state = new ProjectState()
    for (const n of this.forwardsPlan(names)) applyMigration(state, this.node(n))
    return state
  }
}

/** Replay one migration's operations on `state`, naming the file in any error. */
export function applyMigration(state: ProjectState, node: { file: string; migration: Migration }): void {
  node.migration.operations.forEach((o, i) => {
    try {
      stateForwards(state, o)
    } catch (e) {
      throw new MigrationError(
        'MIGRATION_STATE',
        `${node.file}, operation ${i + 1} (${o.type}): ${(e as Error).message}`,
        { cause: e },
      )
    }
  })
}

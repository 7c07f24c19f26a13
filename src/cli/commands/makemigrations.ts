import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { MigrationError } from '../../errors.ts'
import { detectChanges, type RenameQuestioner, renameFlags, suggestName } from '../../migrations/autodetector.ts'
import type { MigrationGraph } from '../../migrations/graph.ts'
import { lintOperations } from '../../migrations/linter.ts'
import { describe, type Operation } from '../../migrations/operations/operation.ts'
import { stateForwards } from '../../migrations/operations/state-forwards.ts'
import { ProjectState } from '../../migrations/state.ts'
import { writeMigration } from '../../migrations/writer.ts'
import { type Command, UsageError } from '../main.ts'
import type { Output } from '../output.ts'
import { withProject } from '../project.ts'

/** The next number: one more than the highest in the folder. */
export function nextNumber(graph: MigrationGraph): string {
  const max = Math.max(0, ...[...graph.nodes.keys()].map((n) => Number(n.slice(0, 4))))
  return String(max + 1).padStart(4, '0')
}

export function writeFile(dir: string, name: string, source: string): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${name}.ts`)
  writeFileSync(path, source)
  return relative(process.cwd(), path) || path
}

/** In a terminal, ask; elsewhere only the `--rename` flags answer. */
function questioner(flags: string[], out: Output): RenameQuestioner {
  let q: RenameQuestioner
  try {
    q = renameFlags(flags)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const tty = process.stdin.isTTY && (out.stdout as { isTTY?: boolean }).isTTY
  if (!tty) return q
  return {
    given: q.given,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stdout })
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim())
      } finally {
        rl.close()
      }
    },
  }
}

export const makemigrations: Command = {
  summary: 'Write migrations for the changes between the models and the migrations.',
  usage:
    'quarry makemigrations [--name add_slug] [--empty] [--dry-run] [--check] [--merge] [--rename Post.title=headline]',
  help: [
    '  --name <name>       name the migration (0002_<name>.ts)',
    '  --empty             write a migration with no operations (for runSql / runCode)',
    '  --dry-run           print what would be written; write nothing',
    '  --check             exit 1 if the models and the migrations disagree; write nothing (for CI)',
    '  --merge             write the merge migration of two branches',
    '  --rename A=B        confirm a rename without a terminal: Post.title=headline (field), Post=Article (model),',
    '                      Post.title=- (not a rename). Repeatable.',
  ].join('\n'),
  options: {
    name: { type: 'string' },
    empty: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    check: { type: 'boolean' },
    merge: { type: 'boolean' },
    rename: { type: 'string', multiple: true },
  },
  async run({ values, positionals, out }) {
    if (positionals.length) throw new UsageError(`makemigrations takes no arguments (got ${positionals.join(' ')}).`)
    const name = values.name as string | undefined
    if (name !== undefined && !/^\w+$/.test(name))
      throw new UsageError(`--name ${name}: use letters, digits and underscores only.`)
    return withProject({ values, positionals, out }, async (project) => {
      const graph = await project.graph()
      const dry = values['dry-run'] === true || values.check === true
      if (values.merge) {
        const leaves = graph.leaves()
        if (leaves.length < 2) {
          out.line('No conflicts detected to merge.')
          return 0
        }
        const file = `${nextNumber(graph)}_${name ?? `merge_${leaves.map((l) => l.slice(0, 4)).join('_')}`}`
        const source = writeMigration({ dependencies: leaves, operations: [] })
        if (dry) out.line(source)
        else out.line(`Merge migration written: ${writeFile(project.dir, file, source)} (merges ${leaves.join(', ')})`)
        return 0
      }
      graph.assertNoConflicts()
      const leaves = graph.leaves()
      const from = graph.stateAt(leaves)
      const schema = await project.schema()
      const to = ProjectState.fromSchema(schema)
      let ops: Operation[] = []
      if (!values.empty) {
        ops = await detectChanges(from, to, questioner((values.rename as string[] | undefined) ?? [], out))
        selfCheck(from, to, ops)
        if (ops.length === 0) {
          out.line('No changes detected.')
          return 0
        }
      }
      const file = `${nextNumber(graph)}_${name ?? suggestName(ops, graph.nodes.size === 0)}`
      const findings = lintOperations(`${file}.ts`, ops, from)
      const source = writeMigration({
        dependencies: leaves,
        operations: ops,
        notes: findings.map((f) => `LINT operation ${f.operation}: ${f.message.split('. ')[0]}.`),
      })
      if (values.check) {
        out.line(`Changes not in any migration (run quarry makemigrations):`)
        for (const o of ops) out.line(`  - ${describe(o)}`)
        return 1
      }
      if (values['dry-run']) {
        out.line(`Migration ${file}.ts (dry run, nothing written):`)
        for (const o of ops) out.line(`  - ${describe(o)}`)
        out.line('')
        out.line(source)
      } else {
        out.line(`Migrations written:\n  ${out.style('bold', writeFile(project.dir, file, source))}`)
        for (const o of ops) out.line(`    - ${describe(o)}`)
      }
      for (const f of findings) out.warn(`  warning (operation ${f.operation}, ${f.description}): ${f.message}`)
      return 0
    })
  },
}

/** The operations must take the migrations' state exactly to the models: anything left over is a bug here. */
function selfCheck(from: ProjectState, to: ProjectState, ops: Operation[]): void {
  const state = from.clone()
  for (const o of ops) stateForwards(state, o)
  const a = JSON.stringify(snapshot(state))
  const b = JSON.stringify(snapshot(to))
  if (a !== b)
    throw new MigrationError(
      'MIGRATION_INTERNAL',
      `makemigrations could not express every change as operations (please report this). Expected ${b}, got ${a}.`,
    )
}

export function snapshot(s: ProjectState): unknown {
  return [...s.models.values()]
    .map((m) => ({
      name: m.name,
      table: m.options.table ?? null,
      fields: [...m.fields]
        .map(([n, f]) => [
          n,
          f.kind,
          (f as { target?: string }).target ?? null,
          Object.entries(f.options)
            .filter(([, v]) => v !== undefined && typeof v !== 'function')
            .map(([k, v]) => [k, typeof v === 'bigint' ? `${v}n` : v])
            .sort(),
        ])
        .sort(),
      indexes: m.options.indexes.map((ix) => JSON.stringify(ix)).sort(),
      unique: m.options.uniqueTogether.map((u) => JSON.stringify(u)).sort(),
    }))
    .sort((x, y) => x.name.localeCompare(y.name))
}

import { renderMigrationSql } from '../../migrations/executor.ts'
import { migrationSteps } from '../../migrations/plan.ts'
import type { Command } from '../main.ts'
import { UsageError } from '../main.ts'
import { withProject } from '../project.ts'

export const sqlmigrate: Command = {
  summary: "Print the SQL a migration runs on the --database's backend.",
  usage: 'quarry sqlmigrate <migration> [--backwards] [--database default]',
  help: '  --backwards         the SQL that unapplies it',
  options: { backwards: { type: 'boolean' } },
  async run(ctx) {
    const { values, positionals, out } = ctx
    if (positionals.length !== 1)
      throw new UsageError('sqlmigrate takes one migration name (for example 0002_add_slug).')
    return withProject(ctx, async (project) => {
      const graph = await project.graph()
      const node = graph.node(graph.resolve(positionals[0]!))
      const db = await project.db()
      const backend = db.executor.backend('default')
      const backwards = values.backwards === true
      const operations = migrationSteps(backend, graph, node, backwards)
      const plan = { name: node.name, file: node.file, backwards, operations }
      out.line(renderMigrationSql(backend, plan, node, project.migrateSettings()))
      return 0
    })
  },
}

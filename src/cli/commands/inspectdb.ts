import { inspectDatabase } from '../../migrations/inspectdb.ts'
import type { Command } from '../main.ts'
import { withProject } from '../project.ts'

export const inspectdb: Command = {
  summary: 'Print models for the tables of an existing database (quarry inspectdb > src/models.ts).',
  usage: 'quarry inspectdb [table ...] [--database default]',
  help: '  table               only these tables (default: every table but quarry_migrations)',
  options: {},
  async run(ctx) {
    return withProject(ctx, async (project) => {
      const db = await project.db()
      ctx.out.line(await inspectDatabase(db.executor.backend('default'), ctx.positionals))
      return 0
    })
  },
}

import { MigrationRecorder } from '../../migrations/recorder.ts'
import type { Command } from '../main.ts'
import { withProject } from '../project.ts'

export const showmigrations: Command = {
  summary: 'List the migrations, [X] applied or [ ] not, in the order migrate applies them.',
  usage: 'quarry showmigrations [--database default]',
  help: '',
  options: {},
  async run(ctx) {
    const { out } = ctx
    return withProject(ctx, async (project) => {
      const db = await project.db()
      const applied = await new MigrationRecorder(db, 'default').applied()
      const graph = await project.graph(applied)
      const names = graph.all()
      if (names.length === 0) out.line(`(no migrations in ${project.shownDir})`)
      for (const n of names) {
        const node = graph.node(n)
        const replaces = node.migration.replaces ?? []
        const done = applied.has(n) || (replaces.length > 0 && replaces.every((r) => applied.has(r)))
        const squashed = node.migration.replaces?.length
          ? ` (${node.migration.replaces.length} squashed migrations)`
          : ''
        out.line(`${done ? out.style('green', '[X]') : '[ ]'} ${n}${squashed}`)
      }
      return 0
    })
  },
}

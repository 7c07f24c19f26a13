import { detectChanges } from '../../migrations/autodetector.ts'
import { lintOperations } from '../../migrations/linter.ts'
import { ProjectState } from '../../migrations/state.ts'
import type { Command } from '../main.ts'
import { withProject } from '../project.ts'

export const check: Command = {
  summary: 'Check the schema and the migrations: they load, agree with the models, and pass the migration linter.',
  usage: 'quarry check',
  help: "  Exit 1 on any problem. Mark an operation { unsafe: 'reason' } to accept a linter finding.",
  options: {},
  async run(ctx) {
    const { out } = ctx
    return withProject(ctx, async (project) => {
      const problems: string[] = []
      const schema = await project.schema() // the schema checks run when it is defined
      const graph = await project.graph()
      try {
        graph.assertNoConflicts()
      } catch (e) {
        problems.push((e as Error).message)
      }
      const leaves = graph.leaves()
      for (const name of graph.all()) {
        const node = graph.node(name)
        for (const f of lintOperations(node.file, node.migration.operations, graph.stateAt(node.parents)))
          problems.push(`${f.file}, operation ${f.operation} (${f.description}): ${f.message}`)
      }
      if (problems.length === 0 || leaves.length <= 1) {
        const changes = await detectChanges(graph.stateAt(leaves), ProjectState.fromSchema(schema), {
          given: () => undefined,
          ask: async () => false,
        })
        if (changes.length)
          problems.push(`The models have ${changes.length} change(s) no migration has: run quarry makemigrations.`)
      }
      for (const p of problems) out.error(p)
      if (problems.length) {
        out.error(`\nSystem check found ${problems.length} issue(s).`)
        return 1
      }
      out.line(
        `System check identified no issues (${schema.userModels().length} models, ${graph.nodes.size} migrations).`,
      )
      return 0
    })
  },
}

import { optimize } from '../../migrations/optimizer.ts'
import { writeMigration } from '../../migrations/writer.ts'
import type { Command } from '../main.ts'
import { UsageError } from '../main.ts'
import { withProject } from '../project.ts'
import { writeFile } from './makemigrations.ts'

export const squashmigrations: Command = {
  summary: 'Squash a run of migrations into one, with the optimizer folding what it can.',
  usage: 'quarry squashmigrations <from> <to> [--name squashed_name]',
  help: [
    '  from, to            the first and last migration to squash (names or unique prefixes)',
    '  --name <name>       name of the new migration (default <from>_squashed_<to>)',
    '  The new migration replaces the old ones: databases that applied them keep working. Once every',
    '  database has migrated past it, delete the old files and the `replaces` line.',
  ].join('\n'),
  options: { name: { type: 'string' } },
  async run(ctx) {
    const { positionals, values, out } = ctx
    if (positionals.length !== 2) throw new UsageError('squashmigrations takes two migrations: the first and the last.')
    return withProject(ctx, async (project) => {
      const graph = await project.graph()
      const first = graph.resolve(positionals[0]!)
      const last = graph.resolve(positionals[1]!)
      const plan = graph.forwardsPlan([last])
      const start = plan.indexOf(first)
      if (start < 0) throw new UsageError(`${last} does not depend on ${first}: nothing to squash between them.`)
      const range = plan.slice(start)
      const inRange = new Set(range)
      const dependencies = [
        ...new Set(range.flatMap((n) => graph.node(n).parents).filter((p) => !inRange.has(p))),
      ].sort()
      const operations = range.flatMap((n) => graph.node(n).migration.operations)
      const optimized = optimize(operations)
      const name = `${first.slice(0, 4)}_${(values.name as string | undefined) ?? `squashed_${last}`}`
      const file = writeFile(
        project.dir,
        name,
        writeMigration({
          dependencies,
          operations: optimized,
          replaces: range,
          notes: [`Squashes ${range.join(', ')}.`],
        }),
      )
      out.line(
        `Squashed ${range.length} migrations (${operations.length} operations -> ${optimized.length}) into ${file}.`,
      )
      if (operations.some((o) => o.type === 'runCode'))
        out.warn(
          '  It copies runCode functions as source text: check that they do not use anything their old file imported.',
        )
      return 0
    })
  },
}

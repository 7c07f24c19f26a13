import { planMigrate, migrate as runMigrate } from '../../migrations/executor.ts'
import type { Command } from '../main.ts'
import { UsageError } from '../main.ts'
import { withProject } from '../project.ts'

export const migrate: Command = {
  summary: 'Apply (or unapply) migrations: to the latest, or to a target.',
  usage: 'quarry migrate [target] [--database default] [--plan] [--fake]',
  help: [
    '  target              a migration name or unique prefix (0002); earlier ones are applied, later ones unapplied;',
    '                      zero unapplies everything',
    '  --plan              print what would run; run nothing',
    '  --fake              record (or unrecord) the migrations without running them',
  ].join('\n'),
  options: { plan: { type: 'boolean' }, fake: { type: 'boolean' } },
  async run(ctx) {
    const { values, positionals, out } = ctx
    if (positionals.length > 1) throw new UsageError(`migrate takes at most one target (got ${positionals.join(' ')}).`)
    const target = positionals[0]
    return withProject(ctx, async (project) => {
      const db = await project.db()
      const settings = project.migrateSettings()
      const options = {
        dir: project.dir,
        target,
        database: 'default',
        fake: values.fake === true,
        ...settings,
        log: (l: string) => out.line(l.replace(/OK|FAKED/, (m) => out.style('green', m))),
      }
      if (values.plan) {
        const plan = await planMigrate(db, options)
        if (plan.length === 0) {
          out.line('No planned migration operations.')
          return 0
        }
        out.line('Planned operations:')
        for (const m of plan) {
          out.line(`${m.name}${m.backwards ? ' (unapply)' : ''}`)
          for (const o of m.operations) out.line(`    ${o.description}`)
        }
        return 0
      }
      out.line(
        `Operations to perform on '${project.alias}': migrations in ${project.shownDir}${target ? `, target ${target}` : ''}`,
      )
      await runMigrate(db, options)
      return 0
    })
  },
}

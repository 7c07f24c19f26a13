import { parseArgs } from 'node:util'
import type { Database } from '../../database.ts'
import { InvalidValueError } from '../../errors.ts'
import { advise as adviseIndexes, formatAdvice } from '../../profiler/index-advisor.ts'
import type { Command } from '../main.ts'
import { withProject } from '../project.ts'

/** `quarry advise [--from .quarry/profile.jsonl] [--database default] [--min-calls 5] [--slow-ms 100] [--json]`. */
export const ADVISE_USAGE =
  'quarry advise [--from .quarry/profile.jsonl] [--database default] [--min-calls 5] [--slow-ms 100] [--json]'

/**
 * The `advise` command: read the profiler's store, ask `db`'s planner, print the advice. The bin connects the
 * database from the project's config and hands it here; returns the exit code.
 *
 * @example
 * process.exitCode = await adviseCommand(['--from', '.quarry/profile.jsonl'], { db, out: process.stdout })
 */
export async function adviseCommand(
  argv: readonly string[],
  io: { db: Database; out: { write(s: string): unknown } },
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string', default: '.quarry/profile.jsonl' },
      database: { type: 'string', default: 'default' },
      'min-calls': { type: 'string', default: '5' },
      'slow-ms': { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  const minCalls = count(values['min-calls'], '--min-calls')
  const slowMs = count(values['slow-ms'], '--slow-ms')
  const advice = await adviseIndexes(io.db, { from: values.from, database: values.database, minCalls, slowMs })
  io.out.write(values.json ? `${JSON.stringify(advice, jsonSets, 2)}\n` : `${formatAdvice(advice)}\n`)
  return 0
}

function count(v: string | undefined, flag: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new InvalidValueError(`${flag} takes a number ≥ 0 (${ADVISE_USAGE}).`)
  return n
}

function jsonSets(_k: string, v: unknown): unknown {
  return v instanceof Set ? [...v] : v instanceof RegExp ? undefined : v
}

/** `quarry advise` in the bin: the project's database (`--database`), then `adviseCommand`. */
export const advise: Command = {
  summary: "Propose indexes for the profiler store's slow and frequent statements, checked by the planner.",
  usage: ADVISE_USAGE,
  help: [
    '  --from FILE        the profiler store to read (default .quarry/profile.jsonl)',
    '  --min-calls N      statements run at least N times are considered (default 5)',
    '  --slow-ms N        or statements slower than N ms (default 100)',
    '  --json             print the advice as JSON',
  ].join('\n'),
  options: {
    from: { type: 'string' },
    'min-calls': { type: 'string' },
    'slow-ms': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const argv: string[] = []
    for (const flag of ['from', 'min-calls', 'slow-ms'] as const) {
      const v = ctx.values[flag]
      if (typeof v === 'string') argv.push(`--${flag}`, v)
    }
    if (ctx.values.json === true) argv.push('--json')
    return withProject(ctx, async (project) => {
      // The advisor names models and fields in its proposals, so it connects with the project's own schema.
      const db = await project.db(await project.schema())
      return adviseCommand(argv, { db, out: { write: (s: string) => ctx.out.line(s.replace(/\n$/, '')) } })
    })
  },
}

import { parseArgs } from 'node:util'
import type { Database } from '../../database.ts'
import { InvalidValueError } from '../../errors.ts'
import { advise, formatAdvice } from '../../profiler/index-advisor.ts'

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
  const advice = await advise(io.db, { from: values.from, database: values.database, minCalls, slowMs })
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

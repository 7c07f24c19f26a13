import type { Command } from '../main.ts'
import { advise } from './advise.ts'
import { check } from './check.ts'
import { inspectdb } from './inspectdb.ts'
import { makemigrations } from './makemigrations.ts'
import { migrate } from './migrate.ts'
import { showmigrations } from './showmigrations.ts'
import { sqlmigrate } from './sqlmigrate.ts'
import { squashmigrations } from './squashmigrations.ts'

/** Every `quarry` command by name. */
export const commands: Record<string, Command> = {
  makemigrations,
  migrate,
  sqlmigrate,
  showmigrations,
  squashmigrations,
  inspectdb,
  check,
  advise,
}

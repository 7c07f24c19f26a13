import { type ParseArgsConfig, parseArgs } from 'node:util'
import { QuarryError } from '../errors.ts'
import { commands } from './commands/index.ts'
import { Output } from './output.ts'

/** A wrong command line: exit code 2 with the command's usage. */
export class UsageError extends QuarryError {
  constructor(message: string) {
    super('CLI_USAGE', message)
  }
}

/** What a command gets: its parsed options and positionals, and where to print. */
export interface CommandContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
  positionals: string[]
  out: Output
}

export interface Command {
  summary: string
  usage: string
  /** Extra lines of `--help`. */
  help: string
  options: NonNullable<ParseArgsConfig['options']>
  /** Returns the exit code: 0 ok, 1 check failed. */
  run(ctx: CommandContext): Promise<number>
}

export const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  config: { type: 'string' },
  database: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

function overview(out: Output): void {
  out.line('Usage: quarry <command> [options]\n')
  out.line('Commands:')
  for (const [name, c] of Object.entries(commands)) out.line(`  ${name.padEnd(18)}${c.summary}`)
  out.line('\nOptions for every command:')
  out.line('  --config <file>     quarry.config.ts to use (default: found in this folder or above)')
  out.line("  --database <alias>  database from the config's databases (default: default)")
  out.line('  -h, --help          help for a command: quarry <command> --help')
  out.line('\nExit codes: 0 ok, 1 a check failed or an error, 2 wrong usage.')
}

/**
 * Run the CLI with `argv` (without `node` and the script). Returns the exit code; never calls `process.exit`,
 * so tests can run it in-process too.
 */
export async function main(argv: readonly string[], out = new Output()): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    overview(out)
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    out.error(`Unknown command '${name}'. Commands: ${Object.keys(commands).join(', ')}. See quarry --help.`)
    return 2
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    })
  } catch (e) {
    out.error(`${(e as Error).message}\nUsage: ${command.usage}`)
    return 2
  }
  if (parsed.values.help) {
    out.line(`Usage: ${command.usage}\n\n${command.summary}\n${command.help ? `\n${command.help}\n` : ''}`)
    out.line('  --config <file>     quarry.config.ts to use\n  --database <alias>  database alias (default: default)')
    return 0
  }
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals, out })
  } catch (e) {
    if (e instanceof UsageError) {
      out.error(`${e.message}\nUsage: ${command.usage}`)
      return 2
    }
    const err = e as Error & { code?: string }
    out.error(err instanceof QuarryError ? `${err.name}: ${err.message}` : (err?.stack ?? String(e)))
    return 1
  }
}

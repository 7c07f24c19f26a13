import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Installed versions of the bench package's dependencies (from its lock file's installed tree). */
function versions(benchDir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const pkg = JSON.parse(readFileSync(path.join(benchDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  for (const name of Object.keys(pkg.dependencies)) {
    try {
      out[name] = (
        JSON.parse(readFileSync(path.join(benchDir, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string
        }
      ).version
    } catch {
      out[name] = 'not installed'
    }
  }
  return out
}

/** The commit (and whether src/ differs from it) of `root`: read when quarry is built, so a run names what it measured. */
export function gitState(root: string): { commit?: string; dirty?: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== ''
    return { commit, dirty }
  } catch {
    return {}
  }
}

async function sqliteVersion(): Promise<string> {
  const { DatabaseSync } = await import('node:sqlite')
  const db = new DatabaseSync(':memory:')
  const v = (db.prepare('select sqlite_version() v').get() as { v: string }).v
  db.close()
  return v
}

/** bench/results/<date>-<backend>.json (a --quick run: <date>-<backend>-quick.json). */
export function writeResultFiles(
  root: string,
  benchDir: string,
  backend: string,
  result: Record<string, unknown> & { quick: boolean },
  method: Record<string, unknown>,
  /** What quarry was built from (read before the build; a commit made during a long run is not what it measured). */
  source: { commit?: string; dirty?: boolean } = gitState(root),
): string {
  const dir = path.join(benchDir, 'results')
  mkdirSync(dir, { recursive: true })
  const date = new Date().toISOString().slice(0, 10)
  const file = path.join(dir, `${date}-${backend}${result.quick ? '-quick' : ''}.json`)
  const cpus = os.cpus()
  const json = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus[0]?.model,
      cores: cpus.length,
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      sqlite: sqliteVersionSync,
    },
    versions: versions(benchDir),
    git: source,
    method: {
      freshProcessPer: '(system, workload, backend, round)',
      interleaved: 'systems rotate each round; the reference raw driver runs first in round one',
      checkedEqual: "each worker's first run is hashed and must equal the reference raw driver's before timing",
      sample: 'ms for one whole run',
      ...method,
    },
    ...result,
  }
  writeFileSync(file, `${JSON.stringify(json, null, 1)}\n`)
  return path.relative(root, file)
}

const sqliteVersionSync = await sqliteVersion()

import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** The commit measured, and whether src/ had uncommitted changes. */
export function gitInfo(root: string): { commit?: string; dirty?: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== ''
    return { commit, dirty }
  } catch {
    return {}
  }
}

/** What the results were measured on. */
export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model,
    cores: cpus.length,
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  }
}

/** Write `bench/results/<name>-<date>.json`; returns its path. */
export function writeResults(root: string, name: string, json: Record<string, unknown>): string {
  const outDir = path.join(root, 'bench/results')
  mkdirSync(outDir, { recursive: true })
  const out = path.join(outDir, `${name}-${new Date().toISOString().slice(0, 10)}.json`)
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), ...json }, null, 2)}\n`)
  return out
}

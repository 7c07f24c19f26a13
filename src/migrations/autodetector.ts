import { MigrationError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import { RelationField } from '../model/fields/relation-field.ts'
import { snakeCase } from '../model/model.ts'
import { op as mk, type Operation } from './operations/operation.ts'
import { indexKey } from './operations/state-forwards.ts'
import type { ModelState, ProjectState } from './state.ts'

/** Answers to "did you rename…?": from `--rename` flags, or asked in a terminal. */
export interface RenameQuestioner {
  /** `Post=Article` → true; `Post=-` → false; not given → undefined. */
  given(kind: 'model' | 'field', from: string, to: string): boolean | undefined
  /** Ask the user; `undefined` when there is no terminal to ask. */
  ask?: ((question: string) => Promise<boolean>) | undefined
}

/** `--rename Post.title=headline`, `--rename Post=Article`, `--rename Post.title=-` (not a rename). */
export function renameFlags(flags: readonly string[]): RenameQuestioner {
  const map = new Map<string, string>()
  for (const f of flags) {
    const m = /^([\w.]+)=([\w-]+)$/.exec(f)
    if (!m)
      throw new MigrationError(
        'MIGRATION_USAGE',
        `--rename ${f}: write --rename Model.old=new for a field, --rename Old=New for a model, or --rename Model.old=- for "not a rename".`,
      )
    map.set(m[1]!, m[2]!)
  }
  return {
    given(kind, from, to) {
      const v = map.get(from)
      if (v === undefined) return undefined
      if (v === '-') return false
      return kind === 'model' ? v === to : v === to.split('.').pop()
    },
  }
}

/** A field's definition as comparable data: kind, target and options, with function defaults left out. */
export function fieldSignature(f: Field): string {
  const options: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(f.options).sort(([a], [b]) => a.localeCompare(b))) {
    if (v === undefined || typeof v === 'function') continue
    options[k] = typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toISOString() : v
  }
  return JSON.stringify([f.kind, f instanceof RelationField ? f.target : null, options])
}

const lc = (s: string) => snakeCase(s)

/**
 * The operations that take the migrations' state to the models' state (Django's autodetector). Renames are only
 * made when confirmed; an unconfirmed candidate with no terminal to ask is an error naming `--rename`.
 */
export async function detectChanges(from: ProjectState, to: ProjectState, q: RenameQuestioner): Promise<Operation[]> {
  const ops: Operation[] = []
  const ambiguous: string[] = []
  const confirm = async (kind: 'model' | 'field', a: string, b: string, question: string): Promise<boolean> => {
    const g = q.given(kind, a, b)
    if (g !== undefined) return g
    if (q.ask) return q.ask(question)
    ambiguous.push(kind === 'model' ? `--rename ${a}=${b.split('.').pop()}` : `--rename ${a}=${b.split('.').pop()}`)
    return false
  }

  // ---- models: renames, then what is deleted and created ------------------------------------------------------
  const removedModels = [...from.models.keys()].filter((n) => !to.models.has(n))
  const addedModels = [...to.models.keys()].filter((n) => !from.models.has(n))
  const modelRenames = new Map<string, string>() // new → old
  for (const a of addedModels) {
    for (const r of removedModels) {
      if ([...modelRenames.values()].includes(r)) continue
      if (!sameFields(from.model(r), to.model(a), r, a)) continue
      if (await confirm('model', r, a, `Did you rename the ${r} model to ${a}? [y/N] `)) {
        modelRenames.set(a, r)
        break
      }
    }
  }
  for (const [n, o] of modelRenames) ops.push(mk.renameModel(o, n))
  const kept: [ModelState, ModelState][] = []
  for (const m of to.models.values()) {
    const old = modelRenames.get(m.name) ?? m.name
    const f = from.models.get(old)
    if (f) kept.push([f, m])
  }
  // A renamed model without an explicit table follows its name: renameModel renames the table too.
  for (const [f, t] of kept)
    if (f.options.table !== t.options.table) ops.push(mk.alterModelTable(t.name, t.options.table))

  // ---- fields ------------------------------------------------------------------------------------------------
  const afterFields: Operation[] = []
  const removals: Operation[] = []
  const adds: Operation[] = []
  const alters: Operation[] = []
  const indexOps: { remove: Operation[]; add: Operation[] } = { remove: [], add: [] }
  const rename = (s: string) => [...modelRenames].find(([, o]) => o === s)?.[0] ?? s
  for (const [fm, tm] of kept) {
    const removed = [...fm.fields.keys()].filter((n) => !tm.fields.has(n))
    const added = [...tm.fields.keys()].filter((n) => !fm.fields.has(n))
    const fieldRenames = new Map<string, string>()
    for (const a of added)
      for (const r of removed) {
        if ([...fieldRenames.values()].includes(r)) continue
        const fa = tm.fields.get(a)!
        const fr = fm.fields.get(r)!
        if (fieldSignature(retarget(fr, rename)) !== fieldSignature(fa) && !sameButColumn(fr, fa, rename)) continue
        if (
          await confirm(
            'field',
            `${tm.name}.${r}`,
            `${tm.name}.${a}`,
            `Did you rename ${tm.name}.${r} to ${tm.name}.${a}? [y/N] `,
          )
        ) {
          fieldRenames.set(a, r)
          break
        }
      }
    for (const [n, o] of fieldRenames) afterFields.push(mk.renameField(tm.name, o, n))
    for (const r of removed) if (![...fieldRenames.values()].includes(r)) removals.push(mk.removeField(tm.name, r))
    for (const a of added) if (!fieldRenames.has(a)) adds.push(mk.addField(tm.name, a, tm.fields.get(a)!))
    for (const [n, tf] of tm.fields) {
      const old = fieldRenames.get(n) ?? n
      const ff = fm.fields.get(old)
      if (!ff || !fm.fields.has(old) || (added.includes(n) && !fieldRenames.has(n))) continue
      if (fieldSignature(retarget(ff, rename)) !== fieldSignature(tf)) alters.push(mk.alterField(tm.name, n, tf))
    }
    // Indexes and unique constraints, compared in to-side field names.
    const renamedIx = (fields: readonly string[]) =>
      fields.map((x) => {
        const desc = x.startsWith('-')
        const bare = desc ? x.slice(1) : x
        const n = [...fieldRenames].find(([, o]) => o === bare)?.[0] ?? bare
        return `${desc ? '-' : ''}${n}`
      })
    const fromIx = new Map(
      fm.options.indexes.map((ix) => {
        const where = ix.where
          ? Object.fromEntries(Object.entries(ix.where).map(([k, v]) => [renamedIx([k])[0]!, v]))
          : undefined
        const moved = { ...ix, fields: renamedIx(ix.fields), ...(where ? { where } : {}) }
        return [indexKey(moved), ix] as const
      }),
    )
    const toIx = new Map(tm.options.indexes.map((ix) => [indexKey(ix), ix] as const))
    const gone = (fields: readonly string[]) =>
      fields.some(
        (x) => removed.includes(x.replace(/^-/, '')) && ![...fieldRenames.values()].includes(x.replace(/^-/, '')),
      )
    for (const [k, ix] of fromIx)
      if (!toIx.has(k) && !gone(ix.fields)) indexOps.remove.push(mk.removeIndex(tm.name, movedIndex(ix, renamedIx)))
    for (const [k, ix] of toIx) if (!fromIx.has(k)) indexOps.add.push(mk.addIndex(tm.name, ix, { concurrently: true }))
    const fromU = new Map(fm.options.uniqueTogether.map((u) => [JSON.stringify(renamedIx(u)), u] as const))
    const toU = new Map(tm.options.uniqueTogether.map((u) => [JSON.stringify(u), u] as const))
    for (const [k, u] of fromU)
      if (!toU.has(k) && !gone(u)) indexOps.remove.push(mk.removeConstraint(tm.name, { unique: renamedIx(u) }))
    for (const [k, u] of toU) if (!fromU.has(k)) indexOps.add.push(mk.addConstraint(tm.name, { unique: u }))
  }

  // ---- order: renames, removals, deletions, creations, additions, alterations, indexes -------------------------
  ops.push(...afterFields, ...indexOps.remove, ...removals)
  const deleted = removedModels.filter((r) => ![...modelRenames.values()].includes(r))
  // Deleted models that point at each other lose those foreign keys first, so each table can be dropped.
  const cyclic = deleted.filter((d) =>
    needs(from.model(d)).some((x) => deleted.includes(x.target) && reaches(from, x.target, d, deleted)),
  )
  for (const name of cyclic)
    for (const x of needs(from.model(name)))
      if (
        deleted.includes(x.target) &&
        reaches(from, x.target, name, deleted) &&
        from.model(name).fields.get(x.field)?.kind !== 'manyToMany'
      )
        ops.push(mk.removeField(name, x.field))
  for (const name of deleteOrder(from, deleted)) ops.push(mk.deleteModel(name))
  const created = addedModels.filter((a) => !modelRenames.has(a))
  ops.push(...createOps(to, created, new Set([...kept.map(([, t]) => t.name)])))
  ops.push(...adds, ...alters, ...indexOps.add)

  if (ambiguous.length)
    throw new MigrationError(
      'MIGRATION_AMBIGUOUS',
      `These changes may be renames, and there is no terminal to ask: ${ambiguous.map((a) => a.replace('--rename ', '')).join(', ')}. Run makemigrations in a terminal, or say which with ${ambiguous.join(' ')} (or --rename Name=- for "not a rename"). Nothing was written.`,
    )
  return ops
}

function movedIndex<T extends { fields: readonly string[]; where?: Record<string, unknown> }>(
  ix: T,
  ren: (f: readonly string[]) => string[],
): T {
  const where = ix.where ? Object.fromEntries(Object.entries(ix.where).map(([k, v]) => [ren([k])[0]!, v])) : undefined
  return { ...ix, fields: ren(ix.fields), ...(where ? { where } : {}) }
}

/** A field whose relation target was renamed compares equal to the same field pointing at the new name. */
function retarget(f: Field, rename: (s: string) => string): Field {
  if (!(f instanceof RelationField)) return f
  const t = rename(f.target)
  const through = f.options.through ? rename(f.options.through) : undefined
  if (t === f.target && through === f.options.through) return f
  return new RelationField(f.kind as 'foreignKey', t, { ...f.options, ...(through ? { through } : {}) })
}

/** A renamed field keeps its definition; only an explicit `column` may follow the name. */
function sameButColumn(a: Field, b: Field, rename: (s: string) => string): boolean {
  const strip = (f: Field) => {
    const o = JSON.parse(fieldSignature(f)) as [string, string | null, Record<string, unknown>]
    delete o[2].column
    return JSON.stringify(o)
  }
  return strip(retarget(a, rename)) === strip(b)
}

function sameFields(a: ModelState, b: ModelState, oldName: string, newName: string): boolean {
  if (a.fields.size !== b.fields.size || a.fields.size === 0) return false
  const ren = (s: string) => (s === oldName ? newName : s)
  for (const [n, f] of a.fields) {
    const g = b.fields.get(n)
    if (!g || fieldSignature(retarget(f, ren)) !== fieldSignature(g)) return false
  }
  return true
}

/**
 * Targets a model needs before its table can be created: foreign keys and automatic many-to-many tables. A
 * many-to-many `through` a model has no table of its own: it is added once its through model is complete.
 */
function needs(m: ModelState): { field: string; target: string }[] {
  const out: { field: string; target: string }[] = []
  for (const [n, f] of m.fields)
    if (f instanceof RelationField && !f.options.through && f.target !== m.name)
      out.push({ field: n, target: f.target })
  return out
}
const isThrough = (f: Field) => f.kind === 'manyToMany' && (f as RelationField).options.through !== undefined
/** createModel in dependency order; a relation to a model not created yet (a cycle) becomes a later addField. */
function createOps(to: ProjectState, names: string[], existing: Set<string>): Operation[] {
  const ops: Operation[] = []
  const later: Operation[] = []
  const done = new Set(existing)
  const pending = new Set(names)
  const visiting = new Set<string>()
  const visit = (name: string) => {
    if (done.has(name) || !pending.has(name) || visiting.has(name)) return
    visiting.add(name)
    const m = to.model(name)
    for (const d of needs(m)) if (pending.has(d.target)) visit(d.target)
    const fields: Record<string, Field> = {}
    for (const [n, f] of m.fields) {
      const deps = needs({ ...m, fields: new Map([[n, f]]) })
      if (!isThrough(f) && deps.every((d) => done.has(d.target) || d.target === name)) fields[n] = f
      else later.push(mk.addField(name, n, f))
    }
    const o = m.options
    const ok = (fs: readonly string[]) => fs.every((x) => x.replace(/^-/, '') in fields || x.replace(/^-/, '') === 'id')
    const deferredIx = o.indexes.filter((ix) => !ok(ix.fields))
    const deferredU = o.uniqueTogether.filter((u) => !ok(u))
    ops.push(
      mk.createModel(name, fields, {
        ...(o.table !== undefined ? { table: o.table } : {}),
        ...(o.ordering?.length ? { ordering: o.ordering } : {}),
        ...(o.indexes.length > deferredIx.length ? { indexes: o.indexes.filter((ix) => ok(ix.fields)) } : {}),
        ...(o.uniqueTogether.length > deferredU.length ? { uniqueTogether: o.uniqueTogether.filter(ok) } : {}),
      }),
    )
    for (const ix of deferredIx) later.push(mk.addIndex(name, ix, { concurrently: true }))
    for (const u of deferredU) later.push(mk.addConstraint(name, { unique: u }))
    visiting.delete(name)
    done.add(name)
  }
  for (const n of names) visit(n)
  // Foreign keys first, then many-to-many fields through the models they complete, then indexes on them.
  const rank = (o: Operation) => (o.type !== 'addField' ? 2 : isThrough(o.field) ? 1 : 0)
  later.sort((a, b) => rank(a) - rank(b))
  return [...ops, ...later]
}

/** `from` points (through foreign keys among `within`) at `to`. */
function reaches(state: ProjectState, from: string, to: string, within: string[]): boolean {
  const seen = new Set<string>()
  const walk = (n: string): boolean => {
    if (n === to) return true
    if (seen.has(n)) return false
    seen.add(n)
    return needs(state.model(n)).some((x) => within.includes(x.target) && walk(x.target))
  }
  return walk(from)
}

/** Deleted models that others point at go last. */
function deleteOrder(from: ProjectState, names: string[]): string[] {
  const out: string[] = []
  const set = new Set(names)
  const seen = new Set<string>()
  const visit = (n: string) => {
    if (seen.has(n)) return
    seen.add(n)
    for (const other of names) if (other !== n && needs(from.model(other)).some((d) => d.target === n)) visit(other)
    out.push(n)
  }
  for (const n of names) if (set.has(n)) visit(n)
  return out
}

/** A name for the migration from what it does: `post_slug`, `delete_tag`, `rename_title_post_headline`… */
export function suggestName(ops: readonly Operation[], initial: boolean): string {
  if (initial) return 'initial'
  const part = (o: Operation): string => {
    switch (o.type) {
      case 'createModel':
        return lc(o.name)
      case 'deleteModel':
        return `delete_${lc(o.name)}`
      case 'renameModel':
        return `rename_${lc(o.oldName)}_${lc(o.newName)}`
      case 'alterModelTable':
        return `alter_${lc(o.name)}_table`
      case 'addField':
        return `${lc(o.model)}_${lc(o.name)}`
      case 'removeField':
        return `remove_${lc(o.model)}_${lc(o.name)}`
      case 'alterField':
        return `alter_${lc(o.model)}_${lc(o.name)}`
      case 'renameField':
        return `rename_${lc(o.oldName)}_${lc(o.model)}_${lc(o.newName)}`
      case 'addIndex':
        return `${lc(o.model)}_${o.index.fields.map((f) => lc(f.replace(/^-/, ''))).join('_')}_idx`
      case 'removeIndex':
        return `remove_${lc(o.model)}_${o.index.fields.map((f) => lc(f.replace(/^-/, ''))).join('_')}_idx`
      case 'addConstraint':
      case 'removeConstraint':
        return `${o.type === 'addConstraint' ? '' : 'remove_'}${lc(o.model)}_constraint`
      default:
        return 'auto'
    }
  }
  const name = [...new Set(ops.map(part))].join('_')
  if (ops.length && name.length <= 52) return name
  const d = new Date().toISOString()
  return `auto_${d.slice(0, 10).replace(/-/g, '')}_${d.slice(11, 16).replace(':', '')}`
}

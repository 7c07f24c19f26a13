import type { Field } from './fields/field.ts'
import { deferredClass } from './instance.ts'
import type { ModelMeta } from './model-meta.ts'
import { HOST, type InstanceHost, type ModelInstance, Relations, STATE } from './runtime.ts'

export type Converter = (v: unknown) => unknown

/** Where one model's columns sit in a row: `selectRelated` nests these. */
export interface MapperLayout {
  readonly meta: ModelMeta
  readonly name: string
  readonly fields: readonly Field[]
  readonly deferred: readonly Field[]
  readonly offset: number
  readonly nullable: boolean
  readonly children: readonly MapperLayout[]
}

export type InstanceMapper = (row: unknown[], host: InstanceHost) => ModelInstance
export type ValuesMapper = (row: unknown[]) => unknown

const ident = (s: string) => JSON.stringify(s)

/**
 * Generate the function turning one array row into an instance (and the instances selected with it). Generated
 * once per query shape: fixed property order, so every instance of a shape shares one hidden class, and no
 * per-row reflection.
 *
 * @example generated for `Post.selectRelated('author')`:
 * const o0 = new C0(); o0["id"] = row[0]; o0["createdAt"] = c0(row[4]); o0[HOST] = host
 * let o1 = null; if (row[6] !== null) { o1 = new C1(); o1["id"] = row[6]; … }
 * o0[STATE] = { adding: false, relations: new Relations("author", o1), fetch: undefined }
 */
export function compileInstanceMapper(
  root: MapperLayout,
  annotations: readonly { name: string; index: number; field: Field | undefined }[],
  convert: (f: Field) => Converter | null,
): InstanceMapper {
  const classes: unknown[] = []
  const convs: Converter[] = []
  let body = ''
  let n = 0
  const conv = (f: Field | undefined, expr: string) => {
    const c = f ? convert(f) : null
    if (!c) return expr
    convs.push(c)
    return `c${convs.length - 1}(${expr})`
  }
  /** Children first (post-order), so a parent's relation map can refer to their variables. */
  const emit = (l: MapperLayout): [code: string, variable: string] => {
    const v = `o${n++}`
    classes.push(deferredClass(l.meta, l.deferred))
    const cls = `C${classes.length - 1}`
    const kids = l.children.map(emit)
    let init = ''
    l.fields.forEach((f, i) => {
      init += `${v}[${ident(f.attname)}] = ${conv(f, `row[${l.offset + i}]`)};\n`
    })
    init += `${v}[HOST] = host;\n`
    // The state slot is part of every instance's shape from the start: a relation cached later (a prefetch sets
    // \`post.author\` back) then fills it in place instead of growing the object, and every instance of a shape
    // keeps one hidden class.
    if (!kids.length) init += `${v}[STATE] = undefined;\n`
    // One joined relation (the common case) fits the Relations object itself; more are set one by one, in order.
    if (kids.length) {
      init += `${v}[STATE] = { adding: false, relations: new Relations(${ident(l.children[0]!.name)}, ${kids[0]![1]}), fetch: undefined };\n`
      for (let i = 1; i < kids.length; i++)
        init += `${v}[STATE].relations.set(${ident(l.children[i]!.name)}, ${kids[i]![1]});\n`
    }
    const code = kids.map((k) => k[0]).join('')
    if (!l.nullable) return [`${code}const ${v} = new ${cls}();\n${init}`, v]
    const pkIndex = l.offset + l.fields.indexOf(l.meta.pk)
    return [`${code}let ${v} = null;\nif (row[${pkIndex}] !== null) {\n${v} = new ${cls}();\n${init}}\n`, v]
  }
  const [code, rootVar] = emit(root)
  body = code
  for (const a of annotations) body += `${rootVar}[${ident(a.name)}] = ${conv(a.field, `row[${a.index}]`)};\n`
  body += `return ${rootVar};`
  const params = ['HOST', 'STATE', 'Relations', ...classes.map((_, i) => `C${i}`), ...convs.map((_, i) => `c${i}`)]
  const factory = new Function(...params, `return function map(row, host) {\n${body}\n}`)
  return factory(HOST, STATE, Relations, ...classes, ...convs) as InstanceMapper
}

/** `values()` rows as objects, `valuesList()` rows as tuples, or a flat list. */
export function compileValuesMapper(
  mode: 'objects' | 'tuples' | 'flat',
  names: readonly string[],
  fields: readonly (Field | undefined)[],
  convert: (f: Field) => Converter | null,
): ValuesMapper {
  const convs: Converter[] = []
  const cell = (i: number) => {
    const f = fields[i]
    const c = f ? convert(f) : null
    if (!c) return `row[${i}]`
    convs.push(c)
    return `c${convs.length - 1}(row[${i}])`
  }
  let body: string
  if (mode === 'flat') body = `return ${cell(0)};`
  else if (mode === 'tuples') body = `return [${names.map((_, i) => cell(i)).join(', ')}];`
  else body = `return { ${names.map((nm, i) => `${ident(nm)}: ${cell(i)}`).join(', ')} };`
  const factory = new Function(...convs.map((_, i) => `c${i}`), `return function map(row) { ${body} }`)
  return factory(...convs) as ValuesMapper
}

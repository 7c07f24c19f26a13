import type { Report, RequestDetail, RequestSummary } from '../../../profiler/request-record.ts'
import { esc, page } from './html.ts'

const KINDS: readonly [Report['kind'], keyof RequestSummary['flags'], string][] = [
  ['nPlusOne', 'nPlusOne', 'N+1'],
  ['similar', 'similar', 'similar'],
  ['duplicate', 'duplicates', 'duplicate'],
  ['unusedEager', 'unusedEager', 'unused eager load'],
  ['slow', 'slow', 'slow'],
]

export type SortKey = 'recent' | 'time' | 'queries' | 'flags'

export function flagTotal(r: RequestSummary): number {
  const f = r.flags
  return f.nPlusOne + f.duplicates + f.similar + f.unusedEager + f.slow
}

export function sortRequests(list: RequestSummary[], sort: SortKey): RequestSummary[] {
  if (sort === 'time') return [...list].sort((a, b) => b.durationMs - a.durationMs)
  if (sort === 'queries') return [...list].sort((a, b) => b.queryCount - a.queryCount)
  if (sort === 'flags') return [...list].sort((a, b) => flagTotal(b) - flagTotal(a))
  return list
}

function badges(r: RequestSummary): string {
  const out = KINDS.filter(([, k]) => r.flags[k] > 0).map(
    ([kind, k, label]) => `<span class="badge ${kind}">${r.flags[k]} ${esc(label)}</span>`,
  )
  return out.length ? out.join('') : '<span class="badge none">clean</span>'
}

/** The request list, newest first or sorted by a column (plain links: no script). */
export function listPage(base: string, list: RequestSummary[], sort: SortKey): string {
  const col = (key: SortKey, label: string, cls = '') =>
    `<th class="${cls}"><a class="${sort === key ? 'active' : ''}" href="${esc(base)}/?sort=${key}">${label}${sort === key ? ' ▾' : ''}</a></th>`
  const rows = sortRequests(list, sort)
    .map(
      (r) => `<tr>
<td><a class="req" href="${esc(base)}/requests/${esc(r.id)}">${esc(r.method)} ${esc(r.url)}</a></td>
<td class="num">${esc(r.status)}</td>
<td class="num">${r.durationMs.toFixed(1)} ms</td>
<td class="num">${r.queryCount}</td>
<td>${badges(r)}</td>
</tr>`,
    )
    .join('\n')
  const body = `<h1>Requests</h1>
<p class="muted">${list.length} recent request${list.length === 1 ? '' : 's'}. SQL is shown with placeholders; values are never recorded.</p>
<table id="requests">
<thead><tr>${col('recent', 'Request')}<th class="num">Status</th>${col('time', 'Time', 'num')}${col('queries', 'Queries', 'num')}${col('flags', 'Flags')}</tr></thead>
<tbody>
${rows || '<tr><td colspan="5" class="muted">No requests yet: open a page of the app.</td></tr>'}
</tbody>
</table>`
  return page(base, 'Requests', body)
}

/** One request: flags with their fixes, then the statements as a timeline, with EXPLAIN on demand. */
export function requestPage(
  base: string,
  r: RequestDetail,
  explained?: { n: number; plan?: string; error?: string },
): string {
  const total = Math.max(r.durationMs, 0.001)
  const dup = new Set<number>()
  for (const rep of r.reports) if (rep.kind === 'duplicate') for (const n of rep.queries ?? []) dup.add(n)
  const reports = r.reports
    .map(
      (rep) => `<div class="report ${rep.kind}">
<div><span class="badge ${rep.kind}">${esc(KINDS.find(([k]) => k === rep.kind)?.[2] ?? rep.kind)}</span> ${esc(rep.message)}</div>
<div class="fix">${esc(rep.fix)}</div>
${rep.sql ? `<pre class="sql">${esc(rep.sql)}</pre>` : ''}${rep.queries?.length ? `<div class="muted">statements ${rep.queries.map((n) => `<a href="#q-${n}">#${n + 1}</a>`).join(' ')}</div>` : ''}
${rep.plan ? `<pre class="plan">${esc(rep.plan)}</pre>` : ''}
</div>`,
    )
    .join('\n')
  const rows = r.queries
    .map((q) => {
      const x = Math.min(100, (q.atMs / total) * 100)
      const w = Math.max(0.5, Math.min(100 - x, (q.durationMs / total) * 100))
      const open = explained?.n === q.n
      const explainForm =
        q.kind === 'select'
          ? `<form class="inline" method="post" action="${esc(base)}/requests/${esc(r.id)}/queries/${q.n}/explain#q-${q.n}"><button type="submit" class="explain">EXPLAIN</button></form>`
          : ''
      const plan = open
        ? explained?.error
          ? `<div class="error">${esc(explained.error)}</div>`
          : `<pre class="plan" id="plan-${q.n}">${esc(explained?.plan ?? '')}</pre>`
        : ''
      return `<tr id="q-${q.n}" class="${dup.has(q.n) ? 'dup' : ''}">
<td class="num">${q.n + 1}</td>
<td><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="track" x="0" y="0" width="100" height="10"/><rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="10"/></svg></td>
<td class="num">${q.durationMs.toFixed(2)} ms</td>
<td class="num">${q.rowCount}</td>
<td class="sql"><pre>${esc(q.sql)}</pre>${q.params ? `<div class="muted">values: <code>${esc(JSON.stringify(q.params))}</code></div>` : ''}${q.error ? `<div class="error">failed: ${esc(q.error)}</div>` : ''}${q.stack ? `<details><summary>stack</summary><pre>${esc(q.stack)}</pre></details>` : ''}${plan}</td>
<td><code>${esc(q.callSite ?? '')}</code></td>
<td>${explainForm}</td>
</tr>`
    })
    .join('\n')
  const body = `<p><a href="${esc(base)}/">← all requests</a></p>
<h1>${esc(r.method)} ${esc(r.url)}</h1>
<p class="summary muted"><span>status ${esc(r.status)}</span><span>${r.durationMs.toFixed(1)} ms</span><span>${r.queryCount} statement${r.queryCount === 1 ? '' : 's'}</span><span>${esc(r.startedAt)}</span></p>
<h2>Flags</h2>
<div id="reports">${reports || '<p class="muted">No flags: nothing to fix here.</p>'}</div>
<h2>Statements</h2>
${r.droppedQueries ? `<p class="muted">${r.droppedQueries} more statements were counted but not kept (maxQueries).</p>` : ''}
<table id="queries">
<thead><tr><th class="num">#</th><th>Timeline</th><th class="num">Time</th><th class="num">Rows</th><th>SQL</th><th>Call site</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
  return page(base, `${r.method} ${r.url}`, body)
}

export function notFoundPage(base: string, what: string): string {
  return page(
    base,
    'Not found',
    `<h1>Not found</h1><p>${esc(what)}</p><p><a href="${esc(base)}/">← all requests</a></p>`,
  )
}

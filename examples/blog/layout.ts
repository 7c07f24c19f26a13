// The page frame: plain server-rendered HTML with a little inline CSS (no assets, so screenshots need no build).
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

const CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;font-size:1.1rem}
header form{margin-left:auto}header input{padding:.3rem .5rem;border-radius:4px;border:0}
.wrap{display:grid;grid-template-columns:1fr 260px;gap:1.5rem;max-width:1000px;margin:1.5rem auto;padding:0 1rem}
main{background:#fff;border-radius:6px;padding:1rem 1.5rem;box-shadow:0 1px 2px #0001}
aside{background:#fff;border-radius:6px;padding:1rem;box-shadow:0 1px 2px #0001;align-self:start}
aside h3{margin:.2rem 0 .5rem;font-size:1rem}aside ol{padding-left:1.2rem;margin:0}
ul.posts{list-style:none;padding:0;margin:0}ul.posts li{padding:.55rem 0;border-bottom:1px solid #eee}
ul.posts a.title{font-weight:600;color:#1a4fa0;text-decoration:none}
.meta{color:#667;font-size:.85rem}.tag{display:inline-block;background:#eef2f8;border-radius:3px;padding:0 .35rem;margin-right:.25rem;font-size:.8rem;color:#345;text-decoration:none}
nav.pager{display:flex;gap:.4rem;margin-top:1rem;flex-wrap:wrap}nav.pager a,nav.pager span{padding:.2rem .55rem;border:1px solid #ccd;border-radius:4px;text-decoration:none}
nav.pager .current{background:#1d2430;color:#fff}
form.write label{display:block;margin:.6rem 0 .2rem;font-weight:600}form.write input,form.write textarea,form.write select{width:100%;box-sizing:border-box;padding:.4rem}
.errors{background:#fde8e8;color:#8a1c1c;padding:.5rem 1rem;border-radius:4px}
article .body{white-space:pre-wrap}
`

export interface Sidebar {
  title: string
  body: Html
}

export function layout(title: string, content: Html, sidebar: Sidebar[] = []): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · quarry blog</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body><header><a class="brand" href="/">quarry blog</a><a href="/write">Write a post</a><a href="/__quarry/">Profiler</a>
<form action="/search" method="get" role="search"><input name="q" placeholder="Search titles" aria-label="Search titles"></form></header>
<div class="wrap"><main>${content}</main>${sidebar.length ? html`<aside>${sidebar.map((s) => html`<h3>${s.title}</h3>${s.body}`)}</aside>` : ''}</div>
</body></html>`
}

export const shortDate = (d: Date) => d.toISOString().slice(0, 10)

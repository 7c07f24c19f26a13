/** The dashboard's only stylesheet, served from `<path>/assets/dashboard.css` (no inline styles: CSP). */
export const DASHBOARD_CSS = `
:root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f8f9fb; --accent: #3558d4;
  --warn: #b54708; --warn-bg: #fffaeb; --bad: #b42318; --bad-bg: #fef3f2; --ok: #067647; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.top { background: #111827; padding: 10px 24px; }
.brand { color: #fff; font-weight: 600; letter-spacing: .02em; }
main { padding: 20px 24px; max-width: 1200px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; white-space: nowrap; }
th a.active { color: var(--fg); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.sql { max-width: 640px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; margin: 0 3px 2px 0; white-space: nowrap; }
.badge.nPlusOne, .badge.similar, .badge.slow { background: var(--bad-bg); color: var(--bad); }
.badge.duplicate, .badge.unusedEager { background: var(--warn-bg); color: var(--warn); }
.badge.none { color: var(--ok); }
.report { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--warn); padding: 10px 12px; margin: 8px 0; }
.report.nPlusOne, .report.similar, .report.slow { border-left-color: var(--bad); }
.report .fix { color: var(--ok); margin-top: 4px; }
.report .fix::before { content: "Fix: "; font-weight: 600; }
.bar { width: 160px; height: 10px; display: block; }
.bar rect { fill: var(--accent); }
.bar .track { fill: #eef1f6; }
.plan { background: #0f172a; color: #e2e8f0; padding: 8px 10px; border-radius: 4px; }
form.inline { display: inline; margin: 0; }
button { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
button:hover { border-color: var(--accent); color: var(--accent); }
.error { color: var(--bad); }
.summary span { margin-right: 16px; }
details summary { cursor: pointer; color: var(--muted); }
tr.dup td:first-child { border-left: 3px solid var(--warn); }
`

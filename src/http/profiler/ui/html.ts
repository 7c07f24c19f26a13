/** Escape text for HTML element content and quoted attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** A page of the dashboard: no script, one same-origin stylesheet (the CSP allows nothing else). */
export function page(base: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · quarry profiler</title>
<link rel="stylesheet" href="${esc(base)}/assets/dashboard.css">
<link rel="icon" href="${esc(base)}/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="top"><a class="brand" href="${esc(base)}/">quarry profiler</a></header>
<main>
${body}
</main>
</body>
</html>
`
}

/** The response headers of every dashboard page. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: that makes Chromium send `Origin: null` with the EXPLAIN form.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

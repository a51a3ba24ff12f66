// Small DOM helpers for the report views: elements built from data, never from HTML strings (browser).

type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined && c !== false) e.append(c);
  return e;
}

export function formatDb(v: number | undefined): string {
  if (v === undefined) return "–";
  return Number.isFinite(v) ? `${v.toFixed(1)} dB` : "exact";
}

export function formatNumber(v: number): string {
  if (v === 0) return "0";
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

export function formatPercent(v: number | undefined, digits = 2): string {
  return v === undefined ? "–" : `${(v * 100).toFixed(digits)}%`;
}

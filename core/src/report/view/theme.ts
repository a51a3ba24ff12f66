// Chart colours (browser): from VS Code's theme CSS variables when the page has them (side panel), with
// fallbacks that make a plain light page (the HTML report) readable.

export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  /** Weight, propagated and shadow series. */
  series: [string, string, string];
  /** The clipping range marks. */
  clip: string;
  highContrast: boolean;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/** The theme of the current document (VS Code variables, else the fallbacks). */
export function currentTheme(body: HTMLElement = document.body): ChartTheme {
  const style = getComputedStyle(body);
  const highContrast = body.classList.contains("vscode-high-contrast") || body.classList.contains("vscode-high-contrast-light");
  const foreground = cssVar(style, "--vscode-foreground", "#1f2328");
  return {
    foreground,
    muted: cssVar(style, "--vscode-descriptionForeground", "#59636e"),
    grid: highContrast ? cssVar(style, "--vscode-contrastBorder", foreground) : cssVar(style, "--vscode-widget-border", "rgba(128,128,128,0.25)"),
    series: [
      cssVar(style, "--vscode-charts-blue", "#3794ff"),
      cssVar(style, "--vscode-charts-orange", "#d18616"),
      cssVar(style, "--vscode-charts-green", "#388a34"),
    ],
    clip: cssVar(style, "--vscode-charts-red", "#e5484d"),
    highContrast,
  };
}

/** Calls `onChange` when VS Code switches theme (it rewrites the body's classes). */
export function onThemeChange(onChange: () => void, body: HTMLElement = document.body): void {
  new MutationObserver(onChange).observe(body, { attributes: true, attributeFilter: ["class"] });
}

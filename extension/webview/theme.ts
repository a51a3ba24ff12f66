// Colours for charts taken from the VS Code theme's CSS variables, so charts follow light, dark and
// high-contrast themes (side-panel webview, browser).

export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  series: [string, string, string];
  clip: string;
  highContrast: boolean;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function currentTheme(): ChartTheme {
  const highContrast = document.body.classList.contains("vscode-high-contrast") || document.body.classList.contains("vscode-high-contrast-light");
  const foreground = cssVar("--vscode-foreground", "#333");
  return {
    foreground,
    muted: cssVar("--vscode-descriptionForeground", foreground),
    grid: highContrast ? cssVar("--vscode-contrastBorder", foreground) : cssVar("--vscode-widget-border", "rgba(128,128,128,0.25)"),
    series: [cssVar("--vscode-charts-blue", "#3794ff"), cssVar("--vscode-charts-orange", "#d18616"), cssVar("--vscode-charts-green", "#89d185")],
    clip: cssVar("--vscode-charts-red", "#f14c4c"),
    highContrast,
  };
}

/** Calls `onChange` when VS Code switches theme (it rewrites the body's classes). */
export function onThemeChange(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ["class"] });
}

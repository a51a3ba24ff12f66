// Layout pieces of the report views, shared by the side panel (extension/webview) and the HTML report
// (browser): a titled section and a fixed-height box holding a chart's canvas.
import { el } from "./dom";

/** A <section> labelled by its <h2> title (screen readers announce the title with the region). */
export function section(id: string, title: string, ...children: (Node | undefined)[]): HTMLElement {
  return el("section", { id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title), ...children);
}

/**
 * A chart's canvas (with `canvasId` and an accessible label) in a box of `height` pixels: Chart.js fills its
 * parent when maintainAspectRatio is off. The height is set through the CSSOM, which a strict CSP allows
 * (a style attribute in markup it would not).
 */
export function chartBox(canvasId: string, height: number, label: string): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = el("canvas", { id: canvasId, role: "img", "aria-label": label });
  const box = el("div", { class: "chart" }, canvas);
  box.style.height = `${height}px`;
  return { box, canvas };
}

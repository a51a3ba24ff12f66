// Chart components of the side panel: SQNR per layer, a layer's calibration histogram with its clipping range,
// and the sensitivity ranking. Chart.js draws into canvases; colours come from the theme (browser).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from "chart.js";
import type { ReportLayer } from "./report-model";
import type { ChartTheme } from "./theme";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

function axes(theme: ChartTheme, yTitle: string, xTitle?: string) {
  const tick = { color: theme.muted };
  const grid = { color: theme.grid };
  return {
    x: { ticks: tick, grid, title: xTitle ? { display: true, text: xTitle, color: theme.muted } : undefined },
    y: { ticks: tick, grid, title: { display: true, text: yTitle, color: theme.muted } },
  };
}

function base(theme: ChartTheme) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    plugins: { legend: { labels: { color: theme.foreground, boxWidth: 12 } } },
  };
}

/** Grouped bars per layer: weight SQNR, propagated activation SQNR, shadow activation SQNR (dB). */
export function sqnrChart(canvas: HTMLCanvasElement, layers: ReportLayer[], theme: ChartTheme): Chart {
  const withSqnr = layers.filter((l) => l.sqnr);
  const series = [
    { label: "weights", pick: (l: ReportLayer) => l.sqnr?.weight },
    { label: "activations (propagated)", pick: (l: ReportLayer) => l.sqnr?.propagated },
    { label: "activations (shadow)", pick: (l: ReportLayer) => l.sqnr?.shadow },
  ];
  const config: ChartConfiguration<"bar", (number | null)[], string> = {
    type: "bar",
    data: {
      labels: withSqnr.map((l) => l.name),
      datasets: series.map((s, i) => ({
        label: s.label,
        data: withSqnr.map((l) => s.pick(l) ?? null),
        backgroundColor: theme.series[i],
        borderColor: theme.highContrast ? theme.foreground : theme.series[i],
        borderWidth: theme.highContrast ? 1 : 0,
      })),
    },
    options: { ...base(theme), scales: axes(theme, "SQNR (dB), higher is better") },
  };
  return new Chart(canvas, config);
}

/** Shades the part of the x axis outside [clipMin, clipMax]: values there saturate in int8. */
function clipRangePlugin(lo: number, hi: number, clipMin: number, clipMax: number, color: string): Plugin<"bar"> {
  return {
    id: "quantscopeClipRange",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      const n = (chart.data.labels ?? []).length;
      if (!x || n === 0) return;
      // Category scale: bin i is centred at getPixelForValue(i); map data values to fractional bins.
      const toPx = (v: number): number => {
        const f = ((v - lo) / (hi - lo)) * n - 0.5;
        const left = x.getPixelForValue(0);
        const right = x.getPixelForValue(n - 1);
        return left + ((right - left) * f) / Math.max(1, n - 1);
      };
      ctx.save();
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 3]);
      for (const v of [clipMin, clipMax]) {
        const px = Math.min(chartArea.right, Math.max(chartArea.left, toPx(v)));
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
      }
      ctx.globalAlpha = 0.12;
      const l = Math.max(chartArea.left, toPx(clipMin));
      const r = Math.min(chartArea.right, toPx(clipMax));
      if (l > chartArea.left) ctx.fillRect(chartArea.left, chartArea.top, l - chartArea.left, chartArea.bottom - chartArea.top);
      if (r < chartArea.right) ctx.fillRect(r, chartArea.top, chartArea.right - r, chartArea.bottom - chartArea.top);
      ctx.restore();
    },
  };
}

/** A layer's activation histogram from calibration, with the int8 clipping range marked. */
export function histogramChart(canvas: HTMLCanvasElement, layer: ReportLayer, theme: ChartTheme): Chart | undefined {
  const c = layer.calibration;
  const h = c?.histogram;
  if (!c || !h) return undefined;
  const width = (h.hi - h.lo) / h.counts.length;
  const labels = h.counts.map((_, i) => (h.lo + (i + 0.5) * width).toPrecision(3));
  const config: ChartConfiguration<"bar", number[], string> = {
    type: "bar",
    data: {
      labels,
      datasets: [
        {
          label: `${layer.name} activations`,
          data: h.counts,
          backgroundColor: theme.series[0],
          categoryPercentage: 1,
          barPercentage: 1,
        },
      ],
    },
    options: {
      ...base(theme),
      plugins: { ...base(theme).plugins, legend: { display: false } },
      scales: axes(theme, "count", "value"),
    },
    plugins: [clipRangePlugin(h.lo, h.hi, c.clipMin, c.clipMax, theme.clip)],
  };
  return new Chart(canvas, config);
}

/** Layers ranked by how much output SQNR keeping them in float would regain (most sensitive first). */
export function sensitivityChart(canvas: HTMLCanvasElement, ranked: ReportLayer[], theme: ChartTheme): Chart {
  const config: ChartConfiguration<"bar", number[], string> = {
    type: "bar",
    data: {
      labels: ranked.map((l) => l.name),
      datasets: [{ label: "output SQNR regained in float (dB)", data: ranked.map((l) => l.sensitivity ?? 0), backgroundColor: theme.series[1] }],
    },
    options: { ...base(theme), indexAxis: "y", scales: axes(theme, "layer", "dB regained") },
  };
  return new Chart(canvas, config);
}

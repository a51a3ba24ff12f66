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
import type { ActivationView, LayerView } from "./report-model";
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

/** Grouped bars per int8 layer: weight SQNR, propagated and shadow activation SQNR (dB), the series present. */
export function sqnrChart(canvas: HTMLCanvasElement, layers: LayerView[], theme: ChartTheme): Chart {
  const withSqnr = layers.filter((l) => l.sqnr);
  const series = [
    { label: "weights", pick: (l: LayerView) => l.sqnr?.weight },
    { label: "activations (propagated)", pick: (l: LayerView) => l.sqnr?.propagated },
    { label: "activations (shadow)", pick: (l: LayerView) => l.sqnr?.shadow },
  ].filter((s) => withSqnr.some((l) => s.pick(l) !== undefined));
  const config: ChartConfiguration<"bar", (number | null)[], string> = {
    type: "bar",
    data: {
      labels: withSqnr.map((l) => l.node),
      datasets: series.map((s, i) => ({
        label: s.label,
        // Exact layers (infinite SQNR) have no bar; the table says "exact".
        data: withSqnr.map((l) => {
          const v = s.pick(l);
          return v !== undefined && Number.isFinite(v) ? v : null;
        }),
        backgroundColor: theme.series[i],
        borderColor: theme.highContrast ? theme.foreground : theme.series[i],
        borderWidth: theme.highContrast ? 1 : 0,
      })),
    },
    options: { ...base(theme), scales: axes(theme, "SQNR (dB), higher is better") },
  };
  return new Chart(canvas, config);
}

/**
 * Per activation, the range calibration observed against the range the int8 grid covers (floating bars):
 * observed beyond the grid is clipped, grid beyond the observed range is resolution thrown away.
 */
export function rangesChart(canvas: HTMLCanvasElement, activations: ActivationView[], theme: ChartTheme): Chart {
  const label = (a: ActivationView): string => a.producer || a.tensor;
  const datasets: ChartConfiguration<"bar", [number, number][], string>["data"]["datasets"] = [
    { label: "observed range", data: activations.map((a) => [a.min, a.max]), backgroundColor: theme.series[0] },
  ];
  if (activations.some((a) => a.clipMin !== undefined)) {
    datasets.push({
      label: "int8 range (clipping bounds)",
      data: activations.map((a) => [a.clipMin ?? a.min, a.clipMax ?? a.max]),
      backgroundColor: "transparent",
      borderColor: theme.clip,
      borderWidth: 2,
    });
  }
  const config: ChartConfiguration<"bar", [number, number][], string> = {
    type: "bar",
    data: { labels: activations.map(label), datasets },
    options: { ...base(theme), indexAxis: "y", scales: axes(theme, "activation", "value") },
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

/** An activation's calibration histogram, with the int8 clipping range marked when known. */
export function histogramChart(canvas: HTMLCanvasElement, a: ActivationView, theme: ChartTheme): Chart | undefined {
  const h = a.histogram;
  if (!h) return undefined;
  const width = (h.hi - h.lo) / h.counts.length;
  const labels = h.counts.map((_, i) => (h.lo + (i + 0.5) * width).toPrecision(3));
  const config: ChartConfiguration<"bar", number[], string> = {
    type: "bar",
    data: {
      labels,
      datasets: [
        {
          label: `${a.producer || a.tensor} activations`,
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
    plugins: a.clipMin !== undefined && a.clipMax !== undefined ? [clipRangePlugin(h.lo, h.hi, a.clipMin, a.clipMax, theme.clip)] : [],
  };
  return new Chart(canvas, config);
}

/** Layers ranked by how much output SQNR keeping them in float would regain (most sensitive first). */
export function sensitivityChart(canvas: HTMLCanvasElement, ranked: LayerView[], theme: ChartTheme): Chart {
  const config: ChartConfiguration<"bar", number[], string> = {
    type: "bar",
    data: {
      labels: ranked.map((l) => l.node),
      datasets: [
        {
          label: "output SQNR regained in float (dB)",
          data: ranked.map((l) => (l.sensitivity !== undefined && Number.isFinite(l.sensitivity) ? l.sensitivity : 0)),
          backgroundColor: theme.series[1],
        },
      ],
    },
    options: { ...base(theme), indexAxis: "y", scales: axes(theme, "layer", "dB regained") },
  };
  return new Chart(canvas, config);
}

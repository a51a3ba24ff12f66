// Chart components of the numeric report, shared by the HTML report and the VS Code side panel (browser):
// SQNR per layer, calibration ranges, one activation's histogram with its clipping range marked, and the
// sensitivity ranking. Chart.js draws into canvases; colours come from a ChartTheme.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
  type TooltipItem,
} from "chart.js";
import { formatDb, formatNumber } from "./dom";
import type { ActivationView, LayerView } from "./model";
import type { ChartTheme } from "./theme";

const compact = new Intl.NumberFormat("en", { notation: "compact" });

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, Tooltip, Legend);

function axis(theme: ChartTheme, title?: string) {
  return {
    ticks: { color: theme.muted },
    grid: { color: theme.grid },
    title: title ? { display: true, text: title, color: theme.muted } : undefined,
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

/** Bars cannot be infinite: an exact value (Infinity dB) is drawn as no bar and named in the tooltip. */
function drawable(v: number | undefined): number | null {
  return v === undefined || !Number.isFinite(v) ? null : v;
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
        data: withSqnr.map((l) => drawable(s.pick(l))),
        backgroundColor: theme.series[i],
        borderColor: theme.highContrast ? theme.foreground : theme.series[i],
        borderWidth: theme.highContrast ? 1 : 0,
      })),
    },
    options: {
      ...base(theme),
      plugins: {
        ...base(theme).plugins,
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<"bar">) => `${series[item.datasetIndex].label}: ${formatDb(series[item.datasetIndex].pick(withSqnr[item.dataIndex]))}`,
          },
        },
      },
      scales: { x: axis(theme), y: axis(theme, "SQNR (dB), higher is better") },
    },
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
    options: { ...base(theme), indexAxis: "y", scales: { x: axis(theme, "value"), y: axis(theme, "activation") } },
  };
  return new Chart(canvas, config);
}

/** Dashed lines at the clipping bounds and a shade over the values that saturate (linear x scale). */
export function clipRangePlugin(clipMin: number, clipMax: number, color: string): Plugin<"bar"> {
  return {
    id: "quantscopeClipRange",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      if (!x) return;
      const px = (v: number) => Math.min(chartArea.right, Math.max(chartArea.left, x.getPixelForValue(v)));
      const left = px(clipMin);
      const right = px(clipMax);
      const height = chartArea.bottom - chartArea.top;
      ctx.save();
      ctx.fillStyle = color;
      ctx.globalAlpha = 0.12;
      if (left > chartArea.left) ctx.fillRect(chartArea.left, chartArea.top, left - chartArea.left, height);
      if (right < chartArea.right) ctx.fillRect(right, chartArea.top, chartArea.right - right, height);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 3]);
      for (const p of [left, right]) {
        ctx.beginPath();
        ctx.moveTo(p, chartArea.top);
        ctx.lineTo(p, chartArea.bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}

/**
 * An activation's calibration histogram on a linear value axis, with the int8 clipping range marked
 * (dashed lines; values beyond them saturate). Undefined when the activation has no histogram.
 */
export function histogramChart(canvas: HTMLCanvasElement, a: ActivationView, theme: ChartTheme): Chart | undefined {
  const h = a.histogram;
  if (!h || !(h.hi > h.lo) || h.counts.length === 0) return undefined;
  const width = (h.hi - h.lo) / h.counts.length;
  // Empty bins stay (as null) so every bar is one bin wide.
  const points = h.counts.map((y, i) => ({ x: h.lo + (i + 0.5) * width, y: y > 0 ? y : null }));
  const hasClip = a.clipMin !== undefined && a.clipMax !== undefined;
  const lo = hasClip ? Math.min(h.lo, a.clipMin!) : h.lo;
  const hi = hasClip ? Math.max(h.hi, a.clipMax!) : h.hi;
  const pad = (hi - lo) * 0.03;
  const config: ChartConfiguration<"bar", { x: number; y: number | null }[], number> = {
    type: "bar",
    data: {
      datasets: [
        {
          label: `${a.producer || a.tensor} (calibration)`,
          data: points,
          backgroundColor: theme.series[0],
          categoryPercentage: 1,
          barPercentage: 1,
          grouped: false,
        },
      ],
    },
    options: {
      ...base(theme),
      plugins: {
        ...base(theme).plugins,
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<"bar">[]) => (items[0] ? `≈ ${formatNumber((items[0].raw as { x: number }).x)}` : ""),
          },
        },
      },
      scales: {
        x: { ...axis(theme, "value"), type: "linear", min: lo - pad, max: hi + pad, offset: false },
        // Log counts: a ReLU output's spike at zero would flatten everything else on a linear axis.
        y: {
          ...axis(theme, "count (log)"),
          type: "logarithmic",
          min: 0.5,
          ticks: { color: theme.muted, callback: (v: number | string) => (Number.isInteger(Math.log10(Number(v))) ? compact.format(Number(v)) : "") },
        },
      },
    },
    plugins: hasClip ? [clipRangePlugin(a.clipMin!, a.clipMax!, theme.clip) as unknown as Plugin<"bar", unknown>] : [],
  };
  return new Chart(canvas, config as unknown as ChartConfiguration);
}

/**
 * Layers ranked by what keeping them in float regains, most sensitive first: points (accuracy or top-1
 * agreement) when any layer regains some, else output SQNR in dB.
 */
export function sensitivityChart(canvas: HTMLCanvasElement, ranked: LayerView[], theme: ChartTheme, unit = "points regained in float"): Chart {
  const usePoints = ranked.some((l) => (l.sensitivityPoints ?? 0) !== 0);
  const values = ranked.map((l) => (usePoints ? (l.sensitivityPoints ?? 0) : drawable(l.sensitivity)));
  const label = usePoints ? unit : "output SQNR regained in float (dB)";
  const config: ChartConfiguration<"bar", (number | null)[], string> = {
    type: "bar",
    data: {
      labels: ranked.map((l) => (l.sensitivityRank !== undefined ? `${l.sensitivityRank}. ${l.node}` : l.node)),
      datasets: [{ label, data: values, backgroundColor: theme.series[1] }],
    },
    options: { ...base(theme), indexAxis: "y", scales: { x: axis(theme, label), y: axis(theme) } },
  };
  return new Chart(canvas, config);
}

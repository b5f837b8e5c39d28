// Chart.js with only the parts the dashboard uses, registered once.
import {
  BarController, BarElement, CategoryScale, Chart, Decimation, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Decimation, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export { Chart };
/** A box over a chart's plot area from `left` (pixels) to its right edge: what playback veils. */
export interface Veil { left: number; top: number; width: number; height: number }
export function veilFrom(chart: Chart, left: number): Veil {
  const area = chart.chartArea;
  return { left, top: area.top, width: Math.max(0, area.right - left), height: area.bottom - area.top };
}

export const PALETTE = ['#4e9af1', '#f59e0b', '#10b981', '#ef4444', '#a855f7', '#14b8a6', '#f472b6', '#84cc16'];

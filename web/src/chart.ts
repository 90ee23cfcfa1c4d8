// The trends chart (uPlot): systolic, diastolic and pulse over time, with
// the guideline's systolic bands and the target range shaded behind.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { systolicBands } from './classify';
import { partOfDay } from './format';
import type { Guideline, Reading, Target } from './types';

export type DayPart = 'all' | 'morning' | 'evening';

export interface Point { t: number; sys: number; dia: number; pulse: number | null; n: number }

/** Readings to chart points, oldest first; optionally filtered and session-averaged. */
export function toPoints(readings: Reading[], part: DayPart, sessions: boolean): Point[] {
  const rs = part === 'all' ? readings : readings.filter((r) => partOfDay(r.taken_at) === part);
  const pts: Point[] = [];
  if (sessions) {
    const groups = new Map<string, Reading[]>();
    for (const r of rs) {
      const k = r.session_id || r.id;
      const g = groups.get(k);
      if (g) g.push(r); else groups.set(k, [r]);
    }
    for (const g of groups.values()) {
      const pulses = g.filter((r) => r.pulse).map((r) => r.pulse!);
      pts.push({
        t: Math.min(...g.map((r) => Date.parse(r.taken_at))) / 1000,
        sys: g.reduce((a, r) => a + r.systolic, 0) / g.length,
        dia: g.reduce((a, r) => a + r.diastolic, 0) / g.length,
        pulse: pulses.length ? pulses.reduce((a, b) => a + b, 0) / pulses.length : null,
        n: g.length,
      });
    }
  } else {
    for (const r of rs) pts.push({ t: Date.parse(r.taken_at) / 1000, sys: r.systolic, dia: r.diastolic, pulse: r.pulse ?? null, n: 1 });
  }
  pts.sort((a, b) => a.t - b.t);
  return pts;
}

export function toData(pts: Point[]): uPlot.AlignedData {
  const n = pts.length;
  const x = new Float64Array(n), s = new Float64Array(n), d = new Float64Array(n);
  const p: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const pt = pts[i]!;
    x[i] = pt.t; s[i] = pt.sys; d[i] = pt.dia; p[i] = pt.pulse;
  }
  return [x as unknown as number[], s as unknown as number[], d as unknown as number[], p];
}

const BAND_FILL = ['', 'rgba(255, 200, 0, 0.10)', 'rgba(255, 140, 0, 0.10)', 'rgba(230, 60, 0, 0.10)', 'rgba(180, 0, 0, 0.12)'];

export function makeChart(el: HTMLElement, pts: Point[], opts: { guideline: Guideline; target: Target; width: number; height: number; onDrawn?: () => void }): uPlot {
  const bands = systolicBands(opts.guideline);
  const shade = (u: uPlot) => {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (const b of bands) {
      const y1 = u.valToPos(b.to, 'y', true);
      const y0 = u.valToPos(b.from, 'y', true);
      ctx.fillStyle = BAND_FILL[b.level] ?? '';
      ctx.fillRect(left, y1, width, y0 - y1);
    }
    const t1 = u.valToPos(opts.target.systolic_high, 'y', true);
    const t0 = u.valToPos(opts.target.systolic_low, 'y', true);
    ctx.fillStyle = 'rgba(0, 130, 60, 0.14)';
    ctx.fillRect(left, t1, width, t0 - t1);
    ctx.strokeStyle = 'rgba(0, 110, 50, 0.7)';
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1;
    ctx.strokeRect(left, t1, width, t0 - t1);
    ctx.restore();
  };
  const many = pts.length > 400;
  const o: uPlot.Options = {
    width: opts.width,
    height: opts.height,
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(40, min - 5), Math.max(190, max + 5)] } },
    axes: [{}, { label: 'mmHg / beats per min', size: 50 }],
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    series: [
      { label: 'Time' },
      { label: 'Systolic', stroke: '#b3261e', width: 2, points: { show: !many, size: 5 } },
      { label: 'Diastolic', stroke: '#1f4e9e', width: 2, points: { show: !many, size: 5 } },
      { label: 'Pulse', stroke: '#5f6368', width: 1, dash: [4, 4], points: { show: false }, spanGaps: true },
    ],
    hooks: {
      drawClear: [shade],
      // uPlot draws in a microtask after construction; report the first draw.
      draw: [(() => { let once = false; return () => { if (!once) { once = true; opts.onDrawn?.(); } }; })()],
    },
  };
  return new uPlot(o, toData(pts), el);
}

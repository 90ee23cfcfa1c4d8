// Trends: the chart over a chosen window, summary cards, and the 7-day
// home monitoring report.
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { allReadings, api } from '../api';
import { categoryLabel, GUIDELINE_LABELS } from '../classify';
import { makeChart, toPoints, type DayPart, type Point } from '../chart';
import { formatBP, formatNumber, formatPercent, formatTaken, windowStart } from '../format';
import type { Category, Guideline, HomeReport, Reading, Summary, Target } from '../types';
import { CategoryBadge, FormError, Loading, PageTitle } from '../ui';

const RANGES: [number | null, string][] = [[7, '7 days'], [30, '30 days'], [90, '90 days'], [365, '1 year'], [null, 'All time']];

export default function Trends({ pid, guideline, target, embedded }: { pid: string; guideline: Guideline; target: Target; embedded?: boolean }) {
  const [days, setDays] = useState<number | null>(30);
  const [part, setPart] = useState<DayPart>('all');
  const [sessions, setSessions] = useState(false);
  const [readings, setReadings] = useState<Reading[] | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [report, setReport] = useState<HomeReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setReadings(null);
    setSummary(null);
    setError(null);
    const from = windowStart(days);
    allReadings(pid, from).then((r) => live && setReadings(r), (e) => live && setError(e));
    api.summary(pid, { from }).then((s) => live && setSummary(s), () => undefined);
    return () => { live = false; };
  }, [pid, days]);

  useEffect(() => {
    api.homeReport(pid).then(setReport, () => undefined);
  }, [pid]);

  const pts = readings ? toPoints(readings, part, sessions) : null;
  const g = summary?.guideline ?? guideline;
  const tgt = summary?.target ?? target;
  const Title = embedded ? 'h2' : PageTitle;

  return (
    <section>
      <Title>Trends</Title>
      <div class="toolbar" role="group" aria-label="Time range">
        {RANGES.map(([d, label]) => (
          <button key={label} type="button" aria-pressed={days === d} onClick={() => setDays(d)}>{label}</button>
        ))}
      </div>
      <div class="toolbar">
        <div class="field inline-field">
          <label for="daypart">Time of day</label>
          <select id="daypart" value={part} onChange={(e) => setPart(e.currentTarget.value as DayPart)}>
            <option value="all">All readings</option>
            <option value="morning">Morning (04:00–11:59)</option>
            <option value="evening">Evening (18:00–23:59)</option>
          </select>
        </div>
        <div class="field checkbox">
          <input id="sessions" type="checkbox" checked={sessions} onChange={(e) => setSessions(e.currentTarget.checked)} />
          <label for="sessions">Average readings taken together</label>
        </div>
      </div>
      <FormError error={error} />
      {!pts ? <Loading label="Loading readings…" /> : (
        <Chart pts={pts} guideline={g} target={tgt} />
      )}
      {summary && <SummaryCards s={summary} />}
      {report && <HomeReportCard r={report} />}
    </section>
  );
}

function Chart({ pts, guideline, target }: { pts: Point[]; guideline: Guideline; target: Target }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || pts.length === 0) return;
    const width = Math.max(280, el.clientWidth);
    const height = Math.min(400, Math.max(220, Math.round(width * 0.5)));
    performance.mark('bpt-chart-start');
    plot.current = makeChart(el, pts, {
      guideline, target, width, height,
      onDrawn: () => {
        performance.measure('bpt-chart-draw', 'bpt-chart-start');
        el.dataset.points = String(pts.length);
      },
    });
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (plot.current && Math.abs(plot.current.width - w) > 2) plot.current.setSize({ width: w, height: Math.min(400, Math.max(220, Math.round(w * 0.5))) });
    });
    ro.observe(el);
    return () => { ro.disconnect(); plot.current?.destroy(); plot.current = null; };
  }, [pts, guideline, target]);
  if (pts.length === 0) return <p>No readings in this range.</p>;
  const first = pts[0]!, last = pts[pts.length - 1]!;
  const avgS = pts.reduce((a, p) => a + p.sys, 0) / pts.length;
  const avgD = pts.reduce((a, p) => a + p.dia, 0) / pts.length;
  const desc = `Chart of ${pts.length} points from ${new Date(first.t * 1000).toLocaleDateString()} to ${new Date(last.t * 1000).toLocaleDateString()}; ` +
    `average ${formatBP(avgS, avgD)} mmHg. Shaded: ${GUIDELINE_LABELS[guideline]} categories and your target systolic range ${target.systolic_low}–${target.systolic_high}.`;
  return (
    <figure class="chart">
      <div ref={ref} class="chart-box" role="img" aria-label={desc} data-testid="chart" />
      <figcaption>{desc}</figcaption>
    </figure>
  );
}

function SummaryCards({ s }: { s: Summary }) {
  if (s.count === 0) return null;
  const total = Object.values(s.categories).reduce((a, b) => a + (b ?? 0), 0) || 1;
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      <div class="cards">
        <div class="card">
          <h3>Average</h3>
          <p class="big">{formatBP(s.systolic.mean, s.diastolic.mean)} <span class="unit">mmHg</span></p>
          {s.average_category && <CategoryBadge category={s.average_category} />}
          <p class="muted">{s.count} readings, {s.session_count} sessions. Judged by {s.setting === 'home' ? 'home thresholds (135/85)' : s.setting} under {GUIDELINE_LABELS[s.guideline] ?? s.guideline}.</p>
          {s.above_home_threshold && <p><strong>Above the home threshold of 135/85.</strong></p>}
        </div>
        <div class="card">
          <h3>Range</h3>
          <dl>
            <dt>Systolic</dt><dd>{s.systolic.min}–{s.systolic.max} (SD {formatNumber(s.systolic.sd, 1)})</dd>
            <dt>Diastolic</dt><dd>{s.diastolic.min}–{s.diastolic.max} (SD {formatNumber(s.diastolic.sd, 1)})</dd>
            {s.pulse && <><dt>Pulse</dt><dd>{formatNumber(s.pulse.mean)} average, {s.pulse.min}–{s.pulse.max}</dd></>}
            <dt>Pulse pressure</dt><dd>{formatNumber(s.pulse_pressure)} mmHg</dd>
            <dt>Mean arterial pressure</dt><dd>{formatNumber(s.mean_arterial_pressure)} mmHg</dd>
          </dl>
        </div>
        <div class="card">
          <h3>Morning and evening</h3>
          <dl>
            <dt>Morning</dt><dd>{s.morning ? `${formatBP(s.morning.systolic, s.morning.diastolic)} (${s.morning.count})` : 'no readings'}</dd>
            <dt>Evening</dt><dd>{s.evening ? `${formatBP(s.evening.systolic, s.evening.diastolic)} (${s.evening.count})` : 'no readings'}</dd>
          </dl>
        </div>
        <div class="card">
          <h3>Time in target range</h3>
          <p class="big">{formatPercent(s.time_in_target)}</p>
          <p class="muted">of readings with systolic {s.target.systolic_low}–{s.target.systolic_high}; {formatPercent(s.time_in_target_by_time)} of the time.</p>
          {s.severe_count > 0 && <p><strong>{s.severe_count} severe reading{s.severe_count > 1 ? 's' : ''}.</strong></p>}
        </div>
        <div class="card wide">
          <h3>Categories</h3>
          <ul class="dist">
            {(Object.entries(s.categories) as [Category, number][]).filter(([, n]) => n > 0).map(([c, n]) => (
              <li key={c}>
                <CategoryBadge category={c} /> <span>{n} ({formatPercent(n / total)})</span>
                <span class="track" aria-hidden="true"><span class="bar" ref={(el) => { if (el) el.style.width = `${Math.round((n / total) * 100)}%`; }} /></span>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

function HomeReportCard({ r }: { r: HomeReport }) {
  return (
    <section aria-labelledby="home-title" class="card report">
      <h2 id="home-title">7-day home monitoring report</h2>
      <p>{r.message}</p>
      {r.average && (
        <p>Average of {r.readings_used} readings: <strong>{formatBP(r.average.systolic, r.average.diastolic)} mmHg</strong>{' '}
          {r.category && <CategoryBadge category={r.category} label={categoryLabel(r.category)} />}</p>
      )}
      <dl>
        <dt>Window</dt><dd>{formatTaken(r.start)} to {formatTaken(r.end)}</dd>
        <dt>Days with readings</dt><dd>{r.days}</dd>
        <dt>Complete</dt><dd>{r.complete ? 'Yes (at least 12 readings)' : 'Not yet (needs at least 12 readings after day one)'}</dd>
        {r.morning && <><dt>Morning</dt><dd>{formatBP(r.morning.systolic, r.morning.diastolic)}</dd></>}
        {r.evening && <><dt>Evening</dt><dd>{formatBP(r.evening.systolic, r.evening.diastolic)}</dd></>}
      </dl>
      <details>
        <summary>How to measure for this report</summary>
        <p>{r.instructions}</p>
      </details>
    </section>
  );
}

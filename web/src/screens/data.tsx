// Import and export: download links (CSV, Excel, PDF, FHIR, full archive)
// and a spreadsheet import with a dry run first.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { driveJob } from '../importjob';
import type { ImportJob, ImportResult } from '../types';
import { FormError, PageTitle, SelectField, Status } from '../ui';

export default function Data({ pid }: { pid: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [order, setOrder] = useState('dmy');
  const [tz, setTz] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [result, setResult] = useState<ImportResult | null>(null);
  const [imported, setImported] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [progress, setProgress] = useState<ImportJob | null>(null);
  const f = from ? new Date(`${from}T00:00:00`).toISOString() : undefined;
  const t = to ? new Date(`${to}T23:59:59`).toISOString() : undefined;

  // Drives a running import job to its end, showing how far it got (on AWS
  // nothing else writes it).
  const drive = async (first: ImportJob): Promise<ImportJob> => {
    const job = await driveJob(first, async (id) => (await api.continueImport(pid, id)).job, (j) => {
      setProgress(j);
      setStatus(`Importing… ${j.done} of ${j.total} readings written.`);
    });
    setProgress(null);
    return job;
  };

  // An import left running (the tab was closed, the server restarted) is
  // picked up when the screen opens.
  useEffect(() => {
    let live = true;
    api.importJobs(pid).then(async ({ jobs }) => {
      const running = jobs.find((j) => j.status === 'running');
      if (!running || !live) return;
      const done = await drive(running);
      if (!live) return;
      if (done.result) {
        setResult({ ...done.result, job: done });
        setImported(done.status === 'done');
      }
      setStatus(done.status === 'failed' ? stopped(done) : `An earlier import finished: ${done.done} readings written.`);
    }).catch(() => { /* the screen works without it */ });
    return () => { live = false; };
  }, [pid]);

  // A dry run reports the valid rows and every rejected one; a real import is
  // all or nothing unless the person chooses to import only the valid rows.
  const run = async (dry: boolean, validRows: boolean) => {
    if (!file) { setError(new Error('Choose a file first.')); return; }
    setError(null);
    setStatus(dry ? 'Checking the file…' : 'Importing…');
    try {
      const data = await file.arrayBuffer();
      const r = await api.importFile(pid, { data, type: file.type || guessType(file.name) }, { dry_run: dry, valid_rows: validRows, date_order: order, tz });
      setResult(r);
      setImported(!dry);
      // A large import continues as a job.
      if (r.job) {
        const job = await drive(r.job);
        setResult({ ...r, imported: job.done, job });
        if (job.status === 'failed') {
          setImported(false);
          setError(new Error(stopped(job)));
          setStatus('');
          return;
        }
      }
      setStatus(dry ? 'Checked. Nothing was imported yet.' : 'Import finished.');
    } catch (err) {
      if (err instanceof ApiError && isImportResult(err.result)) {
        setResult(err.result);
        setImported(false);
        setError(new ApiError(err.status, err.code,
          `Nothing was imported: ${err.result.rejected.length === 1 ? '1 row was' : `${err.result.rejected.length} rows were`} rejected. Fix the file, or choose "Import the valid rows".`));
      } else setError(err);
      setStatus('');
      setProgress(null);
    }
  };

  return (
    <section>
      <PageTitle>Import and export</PageTitle>
      <h2>Export</h2>
      <div class="grid-form">
        <div class="field"><label for="ex-from">From (optional)</label><input id="ex-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></div>
        <div class="field"><label for="ex-to">To (optional)</label><input id="ex-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></div>
      </div>
      <ul class="downloads">
        <li><a href={api.exportURL(pid, 'xlsx', f, t)} download>Excel workbook (.xlsx)</a></li>
        <li><a href={api.exportURL(pid, 'csv', f, t)} download>CSV (LibreOffice, Numbers)</a></li>
        <li><a href={api.exportURL(pid, 'pdf', f, t)} download>PDF report for your doctor</a></li>
        <li><a href={api.exportURL(pid, 'fhir', f, t)} download>FHIR R4 bundle (JSON)</a></li>
        <li><a href={api.archiveURL(pid)} download>Everything (archive)</a></li>
      </ul>
      <h2>Import from a spreadsheet</h2>
      <div class="field">
        <label for="imp-file">File (CSV or Excel)</label>
        <input id="imp-file" type="file" accept=".csv,.xlsx,.ods,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(e) => { setFile(e.currentTarget.files?.[0] ?? null); setResult(null); setImported(false); }} />
      </div>
      <SelectField label="Dates are written" value={order} onChange={setOrder} options={[['dmy', 'day/month/year'], ['mdy', 'month/day/year']]} />
      <div class="field"><label for="imp-tz">Time zone of the times in the file</label><input id="imp-tz" value={tz} onInput={(e) => setTz(e.currentTarget.value)} /></div>
      <div class="actions">
        <button type="button" onClick={() => run(true, true)}>Check file</button>
        <button type="button" class="primary" disabled={!result || imported} onClick={() => run(false, false)}>Import</button>
        <button type="button" disabled={!result || imported || result.rejected.length === 0} onClick={() => run(false, true)}>Import the valid rows</button>
      </div>
      <Status text={status} />
      {progress && (
        <p>
          <label for="imp-progress">Import progress</label>{' '}
          <progress id="imp-progress" max={progress.total} value={progress.done}>{progress.done} of {progress.total}</progress>
        </p>
      )}
      <FormError error={error} />
      {result && (
        <div class="card" role="region" aria-label="Import result">
          <p>{imported ? `${result.imported ?? result.would_import ?? 0} readings imported` : `${result.would_import ?? 0} readings would be imported`}, {result.duplicates} duplicates skipped, {result.rejected.length} rows rejected.</p>
          {result.rejected.length > 0 && (
            <ul aria-label="Rejected rows">{result.rejected.slice(0, 50).map((r) => <li key={r.row}>Row {r.row}: {r.reason}</li>)}</ul>
          )}
        </div>
      )}
    </section>
  );
}

// A failed job keeps the readings it wrote; the same file imported again
// skips them as duplicates and writes the rest.
function stopped(job: ImportJob): string {
  return `The import stopped after ${job.done} of ${job.total} readings; import the file again.`;
}

function isImportResult(x: unknown): x is ImportResult {
  return !!x && typeof x === 'object' && Array.isArray((x as ImportResult).rejected);
}

function guessType(name: string): string {
  if (/\.xlsx$/i.test(name)) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (/\.ods$/i.test(name)) return 'application/vnd.oasis.opendocument.spreadsheet';
  return 'text/csv';
}

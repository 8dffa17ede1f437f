import type { Role } from '@hourmeter/domain';
import { useState } from 'react';
import { get, post } from '../api';
import { loadRegistry, type Registry } from '../data';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtCount, fmtHours, fmtNumber, fmtPct, fmtTime, navigate, useAsync, useLocation } from '../ui';

interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

interface Version {
  id: string;
  version: number;
  kind: string;
  status: 'active' | 'inactive';
  failures: number;
  censored: number;
  dataTo: number;
  trigger: string;
  createdAt: number;
  fit: { shape?: number; scale?: number; b10?: Interval; mttf?: Interval };
  backtest: {
    splitAt?: number;
    rulRmseHours?: number | null;
    phmScore?: number | null;
    bandCoverage?: number | null;
    precision?: number | null;
    recall?: number | null;
    logLikelihoodPerLife?: number | null;
    failuresAfterSplit?: number;
  } | null;
}

interface Life {
  assetId: string;
  serialNumber: string;
  startAt: number;
  endAt: number;
  hours: number;
  failed: boolean;
  endedBy: 'failure' | 'replacement' | 'running';
}

interface Detail {
  assetModel: { id: string; code: string; name: string };
  failureMode: string;
  status: 'fitted' | 'no_failures' | 'not_trained';
  restoration: string;
  ageAxis: 'operating_hours' | 'calendar_hours';
  failures: number;
  censored: number;
  active?: { version: number; modelVersion: string; fit: { shape: number; scale: number; shapeInterval: Interval; scaleInterval: Interval; b10: Interval; mttf: Interval; confidence: number } };
  survival: { hours: number; survival: number; lower: number; upper: number }[];
  lives: Life[];
  versions: Version[];
}

/** How each kind of version estimates, in the words of a reliability engineer. */
const KIND_NAMES: Record<string, string> = { weibull: 'Weibull (population)', condition: 'Condition (telemetry)' };
const pct = (v: number | null | undefined) => fmtPct(v == null ? v : v * 100, 0);
const num = (v: number | null | undefined, d = 1) => fmtNumber(v, d);
const bounds = (i: Interval, digits = 0) => `${fmtHours(i.estimate, digits)} (${fmtHours(i.lower, digits)}–${fmtHours(i.upper, digits)})`;

/**
 * Survival curve of the Weibull fit with its confidence band, and the lives
 * it was fitted on: failures as red ticks, censored lives (still running,
 * replaced) as grey ones, along the age axis.
 */
function SurvivalChart({ detail }: { detail: Detail }) {
  const W = 640;
  const H = 260;
  const pad = { l: 48, r: 12, t: 12, b: 40 };
  const pts = detail.survival;
  const maxX = Math.max(1, ...pts.map((p) => p.hours), ...detail.lives.map((l) => l.hours));
  const x = (h: number) => pad.l + (h / maxX) * (W - pad.l - pad.r);
  const y = (s: number) => pad.t + (1 - s) * (H - pad.t - pad.b);
  const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.hours).toFixed(1)},${y(p.survival).toFixed(1)}`).join('');
  const band = [...pts.map((p) => `${x(p.hours).toFixed(1)},${y(p.upper).toFixed(1)}`), ...[...pts].reverse().map((p) => `${x(p.hours).toFixed(1)},${y(p.lower).toFixed(1)}`)].join(' ');
  const unit = detail.ageAxis === 'operating_hours' ? 'operating hours' : 'calendar hours';
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Survival curve of ${detail.assetModel.code} ${detail.failureMode}: fitted Weibull with ${detail.failures} failures and ${detail.censored} censored lives`} width="100%">
        <rect x={pad.l} y={pad.t} width={W - pad.l - pad.r} height={H - pad.t - pad.b} fill="none" stroke="#d0d7de" />
        {[0, 0.25, 0.5, 0.75, 1].map((s) => (
          <g key={s}>
            <line x1={pad.l} x2={W - pad.r} y1={y(s)} y2={y(s)} stroke="#eaeef2" />
            <text x={pad.l - 6} y={y(s) + 4} fontSize="11" textAnchor="end">
              {fmtPct(s * 100, 0)}
            </text>
          </g>
        ))}
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <text key={f} x={x(maxX * f)} y={H - pad.b + 16} fontSize="11" textAnchor={f === 1 ? "end" : f === 0 ? "start" : "middle"}>
            {fmtCount(Math.round(maxX * f))}
          </text>
        ))}
        <text x={(pad.l + W - pad.r) / 2} y={H - 6} fontSize="11" textAnchor="middle">
          age ({unit})
        </text>
        {pts.length ? <polygon points={band} fill="#1f6feb" fillOpacity="0.15" /> : null}
        {pts.length ? <path d={line} fill="none" stroke="#1f6feb" strokeWidth="2" /> : null}
        {detail.lives.map((l, i) => (
          <line key={i} x1={x(l.hours)} x2={x(l.hours)} y1={H - pad.b} y2={H - pad.b - (l.failed ? 12 : 7)} stroke={l.failed ? '#d1242f' : '#8c959f'} strokeWidth={l.failed ? 2 : 1} />
        ))}
      </svg>
      <figcaption className="small muted">
        Blue: survival of the fitted Weibull with its {detail.active ? `${Math.round(detail.active.fit.confidence * 100)} %` : ''} band. Ticks: failures (red) and censored lives (grey).
      </figcaption>
    </figure>
  );
}

function ModeDetail({ detail, role, reload }: { detail: Detail; role: Role; reload: () => void }) {
  const canTrain = role === 'admin' || role === 'engineer';
  const a = detail.active;
  const path = `/asset-models/${detail.assetModel.id}/reliability/${encodeURIComponent(detail.failureMode)}`;
  return (
    <section aria-labelledby={`mode-${detail.failureMode}`} className="panel">
      <h2 id={`mode-${detail.failureMode}`}>
        {detail.failureMode} <span className="small muted">({detail.restoration === 'minimal_repair' ? 'minimal repair' : 'repair renews'})</span>
      </h2>
      <p className="kpis">
        <span>
          <strong>{detail.failures}</strong> failures
        </span>
        <span>
          <strong>{detail.censored}</strong> censored lives
        </span>
        {a ? (
          <>
            <span>
              B10 <strong>{bounds(a.fit.b10)}</strong>
            </span>
            <span>
              MTTF <strong>{bounds(a.fit.mttf)}</strong>
            </span>
            <span>
              shape <strong>{num(a.fit.shape, 2)}</strong> ({num(a.fit.shapeInterval.lower, 2)}–{num(a.fit.shapeInterval.upper, 2)}), scale <strong>{fmtHours(a.fit.scale, 0)}</strong>
            </span>
          </>
        ) : null}
      </p>
      {detail.status === 'no_failures' ? (
        <p role="status">No failure of this mode has been recorded yet: there is nothing to fit, so no reliability figure is shown.</p>
      ) : detail.status === 'not_trained' ? (
        <p role="status">Failures are recorded but no model has been trained yet.</p>
      ) : (
        <SurvivalChart detail={detail} />
      )}
      {canTrain && detail.failures > 0 ? (
        <ActionForm label={`Train ${detail.failureMode}`} submit="Train a new version" action={async () => (await post(`${path}/train`, {}), reload())}>
          <span className="small muted">Fits and backtests a version; it becomes active only if it beats the active one.</span>
        </ActionForm>
      ) : null}
      <div className="table-wrap">
        <table>
          <caption>Model versions and their backtest (trained before T, scored after it)</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Model</th>
              <th scope="col">Trained</th>
              <th scope="col">Failures / censored</th>
              <th scope="col">B10</th>
              <th scope="col">Split T</th>
              <th scope="col">RUL RMSE</th>
              <th scope="col">PHM score</th>
              <th scope="col">Band coverage</th>
              <th scope="col">Precision / recall</th>
              <th scope="col">Log-lik. per life</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {detail.versions.map((v) => (
              <tr key={v.id}>
                <td>v{v.version}</td>
                <td>{KIND_NAMES[v.kind] ?? v.kind}</td>
                <td>
                  {fmtTime(v.createdAt)} <span className="small muted">({v.trigger})</span>
                </td>
                <td>
                  {v.failures} / {v.censored}
                </td>
                <td>{v.fit.b10 ? fmtHours(v.fit.b10.estimate, 0) : '–'}</td>
                <td>{v.backtest?.splitAt ? fmtTime(v.backtest.splitAt) : '–'}</td>
                <td>{fmtHours(v.backtest?.rulRmseHours ?? null, 0)}</td>
                <td>{num(v.backtest?.phmScore, 2)}</td>
                <td>{pct(v.backtest?.bandCoverage)}</td>
                <td>
                  {pct(v.backtest?.precision)} / {pct(v.backtest?.recall)}
                </td>
                <td>{num(v.backtest?.logLikelihoodPerLife, 3)}</td>
                <td>
                  {v.status === 'active' ? (
                    <Badge kind="online">active</Badge>
                  ) : canTrain ? (
                    <ActionForm label={`Activate v${v.version}`} submit="Activate" action={async () => (await post(`${path}/versions/${v.version}/activate`, {}), reload())}>
                      {null}
                    </ActionForm>
                  ) : (
                    'inactive'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>
          Lives ({detail.lives.length}) the fit uses
        </summary>
        <div className="table-wrap">
          <table>
            <caption>Lives of {detail.failureMode}</caption>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Age</th>
                <th scope="col">Ended by</th>
              </tr>
            </thead>
            <tbody>
              {detail.lives.map((l, i) => (
                <tr key={i}>
                  <td>
                    <Link to={`/assets/${l.assetId}`}>{l.serialNumber}</Link>
                  </td>
                  <td>{fmtTime(l.startAt)}</td>
                  <td>{fmtTime(l.endAt)}</td>
                  <td>{fmtHours(l.hours, 0)}</td>
                  <td>{l.endedBy === 'failure' ? <Badge kind="high">failure</Badge> : l.endedBy === 'replacement' ? 'replaced (censored)' : 'running (censored)'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

/** Reliability per asset model and failure mode: Weibull fit, B10, lives, versions with backtest figures. */
export function ReliabilityView({ role }: { role: Role }) {
  const { query } = useLocation();
  const reg = useAsync<Registry>(loadRegistry, []);
  const models = [...(reg.data?.models.values() ?? [])];
  const modelId = query.get('assetModelId') ?? models[0]?.id ?? '';
  const [tick, setTick] = useState(0);
  const data = useAsync(async () => (modelId ? (await get<{ items: Detail[] }>(`/asset-models/${modelId}/reliability`)).items : []), [modelId, tick]);
  return (
    <section aria-labelledby="rel-h">
      <h1 id="rel-h">Reliability</h1>
      <form className="filters" aria-label="Choose the asset model" onSubmit={(e) => e.preventDefault()}>
        <label>
          Asset model
          {/* Named explicitly: a wrapping label would also lend the select its chosen option's text as name. */}
          <select aria-label="Asset model" value={modelId} onChange={(e) => navigate(`/reliability?assetModelId=${encodeURIComponent(e.target.value)}`)}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.code} · {m.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={reg.error ?? data.error} />
      <Loading when={data.loading && !data.data} />
      {data.data && data.data.length === 0 ? <p role="status">No failure mode recorded or trained for this model yet: no reliability figure to show.</p> : null}
      {data.data?.map((d) => <ModeDetail key={d.failureMode} detail={d} role={role} reload={() => setTick((t) => t + 1)} />)}
    </section>
  );
}

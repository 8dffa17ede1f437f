import { get } from '../api';
import type { Registry } from '../data';
import { assetName } from '../data';
import { ErrorNote, Link, fmtCount, fmtNumber, fmtPct, fmtTime, label, useAsync } from '../ui';
import { SlaCell, type SlaView } from './sla';

interface SlaReport {
  rows: { priority: string; completed: number; responseBreached: number; fixBreached: number; withinSla: number }[];
  active: SlaView[];
  summary: { completed: number; fixBreached: number; activeBreached: number; activeAtRisk: number; activeOnTrack: number };
}
interface ComplaintRate {
  rows: { month: string; customerClass: string; complaints: number; assetsUnderService: number; perThousandAssets: number | null }[];
}
interface RemoteShare {
  rows: { month: string; region: string; resolved: number; resolvedRemotely: number; share: number | null }[];
}

/** Reports' SLA section and the service-request KPIs (issue 18): breaches and risk, complaint rate, remote resolution. */
export function FieldServiceReports({ range, reg }: { range: { from: string; to: string }; reg: Registry | undefined }) {
  const data = useAsync(
    async () => {
      const [sla, complaints, remote] = await Promise.all([
        get<SlaReport>('/sla/report', range),
        get<ComplaintRate>('/service-requests/complaint-rate', range),
        get<RemoteShare>('/service-requests/remote-resolution', range),
      ]);
      return { sla, complaints, remote };
    },
    [range.from, range.to],
  );
  const d = data.data;
  return (
    <>
      <h2>SLA</h2>
      <ErrorNote error={data.error} />
      {d ? (
        <>
          <dl className="facts">
            <div>
              <dt>Completed in the period</dt>
              <dd>{fmtCount(d.sla.summary.completed)}</dd>
            </div>
            <div>
              <dt>Fix breached</dt>
              <dd>{fmtCount(d.sla.summary.fixBreached)}</dd>
            </div>
            <div>
              <dt>Active breached now</dt>
              <dd>{fmtCount(d.sla.summary.activeBreached)}</dd>
            </div>
            <div>
              <dt>Active at risk now</dt>
              <dd>{fmtCount(d.sla.summary.activeAtRisk)}</dd>
            </div>
          </dl>
          <div className="table-wrap">
            <table>
              <caption>Completed orders against their SLA, by priority</caption>
              <thead>
                <tr>
                  <th scope="col">Priority</th>
                  <th scope="col">Completed</th>
                  <th scope="col">Response breached</th>
                  <th scope="col">Fix breached</th>
                  <th scope="col">Within SLA</th>
                </tr>
              </thead>
              <tbody>
                {d.sla.rows.map((r) => (
                  <tr key={r.priority}>
                    <td>{r.priority}</td>
                    <td>{fmtCount(r.completed)}</td>
                    <td>{fmtCount(r.responseBreached)}</td>
                    <td>{fmtCount(r.fixBreached)}</td>
                    <td>{fmtPct(r.withinSla * 100, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.sla.rows.length === 0 ? <p className="muted">No order with an SLA was completed in this period.</p> : null}
          </div>
          <div className="table-wrap">
            <table>
              <caption>Active orders breached or at risk</caption>
              <thead>
                <tr>
                  <th scope="col">Asset</th>
                  <th scope="col">SLA</th>
                  <th scope="col">Fix due</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {d.sla.active.map((v) => (
                  <tr key={v.workOrderId}>
                    <td>
                      <Link to={`/work-orders/${v.workOrderId}`}>{assetName(reg, v.assetId)}</Link>
                    </td>
                    <td>
                      <SlaCell v={v} />
                    </td>
                    <td>{fmtTime(v.fixDueAt)}</td>
                    <td>{label(v.state)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.sla.active.length === 0 ? <p className="muted">No active order is breached or at risk.</p> : null}
          </div>
          <h2>Complaint rate</h2>
          <div className="table-wrap">
            <table>
              <caption>Complaints per 1,000 assets under service (active contract or warranty), by customer class and month</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Customer class</th>
                  <th scope="col">Complaints</th>
                  <th scope="col">Assets under service</th>
                  <th scope="col">Per 1,000 assets</th>
                </tr>
              </thead>
              <tbody>
                {d.complaints.rows.map((r) => (
                  <tr key={`${r.month}-${r.customerClass}`}>
                    <td>{r.month}</td>
                    <td>{r.customerClass}</td>
                    <td>{fmtCount(r.complaints)}</td>
                    <td>{fmtCount(r.assetsUnderService)}</td>
                    <td>{fmtNumber(r.perThousandAssets)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Remote resolution</h2>
          <div className="table-wrap">
            <table>
              <caption>Requests resolved remotely among all resolved, by region and month</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Region</th>
                  <th scope="col">Resolved</th>
                  <th scope="col">Remotely</th>
                  <th scope="col">Share</th>
                </tr>
              </thead>
              <tbody>
                {d.remote.rows.map((r) => (
                  <tr key={`${r.month}-${r.region}`}>
                    <td>{r.month}</td>
                    <td>{r.region}</td>
                    <td>{fmtCount(r.resolved)}</td>
                    <td>{fmtCount(r.resolvedRemotely)}</td>
                    <td>{r.share === null ? '–' : fmtPct(r.share * 100, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.remote.rows.length === 0 ? <p className="muted">No request was resolved in this period.</p> : null}
          </div>
        </>
      ) : null}
    </>
  );
}

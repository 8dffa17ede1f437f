import { useState } from 'react';
import { get } from '../api';
import { DeliveryModeSelect } from '../DeliveryModeSelect';
import { ErrorNote, Loading, useAsync } from '../ui';

interface Mine {
  id: string;
  name: string;
  email: string;
  role: string;
  preferences: Record<string, string>;
}

interface Rule {
  rule: string;
  what: string;
  defaults: Record<string, string>;
}

/** Every person: what they are told by e-mail, rule by rule (their role's defaults until they choose). */
export function MyNotificationsView() {
  const [version, setVersion] = useState(0);
  const [saveError, setSaveError] = useState<Error>();
  const data = useAsync(async () => {
    const [mine, rules] = await Promise.all([get<Mine>('/me/notification-preferences'), get<{ items: Rule[] }>('/notification-rules')]);
    return { mine, rules: rules.items };
  }, [version]);
  const d = data.data;
  return (
    <section aria-labelledby="my-mail-h">
      <h1 id="my-mail-h">E-mail notifications</h1>
      <ErrorNote error={data.error} />
      <ErrorNote error={saveError} />
      <Loading when={data.loading && !d} />
      {d ? (
        <>
          <p>
            Mail goes to <strong>{d.mine.email}</strong>. Immediate mails come at once; digest items come in one mail a day.
          </p>
          <div className="table-wrap">
            <table>
              <caption>What you receive (your role {d.mine.role} sets the defaults)</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">You receive</th>
                </tr>
              </thead>
              <tbody>
                {d.rules.map((r) => (
                  <tr key={r.rule}>
                    <th scope="row">
                      {r.what} <div className="small muted">{r.rule}</div>
                    </th>
                    <td>
                      <DeliveryModeSelect
                        label={`${r.rule} for me`}
                        rule={r.rule}
                        value={d.mine.preferences[r.rule] ?? r.defaults[d.mine.role] ?? 'off'}
                        path="/me/notification-preferences"
                        onSaved={() => (setSaveError(undefined), setVersion((v) => v + 1))}
                        onError={setSaveError}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

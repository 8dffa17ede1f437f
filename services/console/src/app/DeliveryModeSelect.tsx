import { send } from './api';

/**
 * How one e-mail rule reaches one person (immediately, in the daily digest,
 * or not at all), saved on change through `path` (a person's own preferences
 * or an admin's view of a recipient's).
 */
export function DeliveryModeSelect(props: { label: string; rule: string; value: string; path: string; onSaved: () => void; onError: (err: Error) => void }) {
  return (
    <select
      aria-label={props.label}
      value={props.value}
      onChange={(e) => {
        send('PATCH', props.path, { preferences: { [props.rule]: e.target.value } }).then(props.onSaved, (err: unknown) =>
          props.onError(err instanceof Error ? err : new Error(String(err))),
        );
      }}
    >
      <option value="immediate">immediate</option>
      <option value="digest">digest</option>
      <option value="off">off</option>
    </select>
  );
}

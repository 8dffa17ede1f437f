import { useState } from 'react';
import { ApiError, session, signIn, whoAmI, type Me } from './api';
import { ErrorNote } from './ui';

function reason(err: unknown, usingKey: boolean): Error {
  if (err instanceof ApiError && err.status === 401) return new Error(usingKey ? 'This API key is not valid.' : 'Wrong e-mail or password.');
  return err instanceof Error ? err : new Error(String(err));
}

/** E-mail and password for people; an API key for those who have only that. */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [useKey, setUseKey] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const attempt = (run: () => Promise<Me>) => {
    setBusy(true);
    setError(undefined);
    run().then(onSignedIn, (err: unknown) => {
      if (useKey) session.clear();
      setBusy(false);
      setError(reason(err, useKey));
    });
  };

  return (
    <main className="signin">
      <h1>Hourmeter console</h1>
      <form
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          attempt(
            useKey
              ? () => {
                  session.setKey(key.trim());
                  return whoAmI();
                }
              : () => signIn(email, password),
          );
        }}
      >
        {useKey ? (
          <>
            <label htmlFor="api-key">API key</label>
            <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
          </>
        ) : (
          <>
            <label htmlFor="email">E-mail</label>
            <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorNote error={error} />
        <button type="button" className="link" onClick={() => (setUseKey(!useKey), setError(undefined))}>
          {useKey ? 'Sign in with e-mail and password' : 'Use an API key instead'}
        </button>
        <p className="muted small">
          First time? The first start of the server prints the administrator's e-mail and password once (or installs{' '}
          <code>HM_ADMIN_EMAIL</code> / <code>HM_ADMIN_PASSWORD</code> when they are set). The administrator adds everyone else under Users.
        </p>
      </form>
    </main>
  );
}

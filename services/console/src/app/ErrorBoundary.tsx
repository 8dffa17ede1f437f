import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error?: Error;
}

/**
 * Keeps a view's rendering fault inside the view: without it React unmounts
 * the whole console and the person is left with a blank page and no way to
 * navigate. A new `resetKey` (the page's path) clears the fault; it does not
 * remount the view, which would lose its state on every in-view navigation.
 */
export class ErrorBoundary extends Component<{ resetKey: string; children: ReactNode }, State> {
  override state: State = {};

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // Reported on the browser's console so that browser tests (which fail on console errors) and support see it.
    // eslint-disable-next-line no-console -- in the browser the console is the log
    console.error('view failed to render:', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <section role="alert">
        <h1>This page could not be shown</h1>
        <p>{this.state.error.message}</p>
        <p className="muted">The rest of the console still works: choose another page above, or reload this one.</p>
      </section>
    );
  }
}

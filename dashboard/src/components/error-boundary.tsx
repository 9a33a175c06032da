import { Component, type ErrorInfo, type ReactNode } from 'react';

/** Catches a page's render error so the shell (navigation, language) stays usable. */
export class ErrorBoundary extends Component<
  { children: ReactNode; fallback: (e: Error) => ReactNode; resetKey: string },
  { error: Error | null; key: string }
> {
  override state: { error: Error | null; key: string } = { error: null, key: this.props.resetKey };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: Error | null; key: string }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }
  override componentDidCatch(_e: Error, _info: ErrorInfo) {
    // Reported to Faro by the root's onCaughtError hook (main.tsx).
  }
  override render() {
    return this.state.error ? this.props.fallback(this.state.error) : this.props.children;
  }
}

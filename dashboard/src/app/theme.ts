import { useCallback, useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
export const THEME_STORAGE_KEY = 'paywatch.theme';

function stored(): Theme | undefined {
  try {
    const v = localStorage.getItem(THEME_STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The persisted theme (default: the OS preference); `forced` (wallboard) overrides without persisting. */
export function useTheme(forced?: Theme): [Theme, (t: Theme) => void] {
  const [theme, setThemeState] = useState<Theme>(
    () => stored() ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
  );
  const effective = forced ?? theme;
  useEffect(() => {
    document.documentElement.dataset.theme = effective;
  }, [effective]);
  const setTheme = useCallback((t: Theme) => {
    setThemeState(t);
    try {
      localStorage.setItem(THEME_STORAGE_KEY, t);
    } catch {
      // storage disabled: lasts for this page
    }
  }, []);
  return [effective, setTheme];
}

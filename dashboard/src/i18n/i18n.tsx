import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { formatMessage } from '@paywatch/contracts';
import { enumLabel, type EnumKind } from './enum-labels.js';
import { formatterFor, type Formatter } from './format.js';
import { LANGS, MESSAGES, type Lang, type MessageKey } from './messages.js';

export const LANG_STORAGE_KEY = 'paywatch.lang';

/** What `useI18n()` gives a component: the language, a setter that persists, `t`, `label` and `fmt`. */
export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** Display label of a canonical enum value (method, status, alert severity…); unknown values as is. */
  label(kind: EnumKind, value: string): string;
  fmt: Formatter;
}

/** Substitutes `{name}` placeholders; unknown names are left visible so they get noticed. */
export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  // `{n, plural, one {# attempt} other {# attempts}}` picks the form by the count (contracts' formatMessage).
  return formatMessage(lang, MESSAGES[lang][key], vars);
}

/** Stored choice, else the browser's preference, else English. */
export function initialLang(
  storage: Pick<Storage, 'getItem'> | undefined,
  browserLangs: readonly string[],
): Lang {
  const stored = storage?.getItem(LANG_STORAGE_KEY);
  if (stored && (LANGS as readonly string[]).includes(stored)) return stored as Lang;
  return browserLangs.some((l) => l.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled (private mode, sandboxed iframe)
  }
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children, lang: forced }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(
    () =>
      forced ??
      initialLang(safeStorage(), typeof navigator === 'undefined' ? [] : (navigator.languages ?? [])),
  );
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      safeStorage()?.setItem(LANG_STORAGE_KEY, l);
    } catch {
      // quota or disabled storage: the choice lasts for this page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      label: (kind, value) => enumLabel(lang, kind, value),
      fmt: formatterFor(lang),
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n() outside <I18nProvider>');
  return v;
}

import { useSession } from '../../app/session.js';
import { joinSentences, useI18n, type Formatter } from '../../i18n/index.js';
import { sessionCan } from '../auth/permissions.js';

/**
 * The chart panel's header line: `range · bucket · zone`, then the notes as sentences joined the
 * UI language's way — the drill hint (roles that may list transactions) and, with UTC chosen on
 * another clock, where a UTC bucket starts on the analyst's clock (`utcStart`, minutes after
 * local midnight; null: no note). The notes were concatenated: a viewer read "Times and days in
 * UTC 1d buckets start…", and in Chinese a space followed "。". `fmt` prints on the chosen zone.
 */
export function TrendsRangeNote({
  from,
  to,
  bucket,
  zone,
  utcStart,
  fmt,
}: {
  from: number;
  to: number;
  bucket: string;
  zone: string;
  utcStart: number | null;
  fmt: Formatter;
}) {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const mayDrill = sessionCan(session, 'transactions');
  const hh = (m: number) => String(m).padStart(2, '0');
  const utcNote =
    utcStart !== null &&
    t('trends.utcBuckets', { bucket, local: `${hh(Math.floor(utcStart / 60))}:${hh(utcStart % 60)}` });
  const notes = joinSentences(lang, [mayDrill && t('trends.drillHint'), utcNote]);
  return (
    <span className="muted" data-testid="range-note">
      {fmt.dateTime(from)} – {fmt.dateTime(to)} · {bucket} ·{' '}
      <span data-testid="zone-label">{t('trends.zoneIn', { zone })}</span>
      {notes && (
        <>
          {' · '}
          <span data-testid="range-notes">{notes}</span>
        </>
      )}
    </span>
  );
}

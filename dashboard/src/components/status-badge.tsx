import { outcomeOf, type Status } from '@paywatch/contracts';
import { useI18n } from '../i18n/index.js';

/** A payment status, translated, coloured by outcome (text carries the meaning, not colour alone). */
export function StatusBadge({ status }: { status: Status }) {
  const { label } = useI18n();
  const o = outcomeOf(status);
  return <span className={`status ${o ?? 'other'}`}>{label('status', status)}</span>;
}

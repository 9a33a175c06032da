import { useState } from 'react';
import { ApiError, alertsApi, silenceFor, type Alert } from '../../api/index.js';
import { Link } from '../../app/router.js';
import { useSession } from '../../app/session.js';
import { useI18n } from '../../i18n/index.js';
import { sessionCan } from '../auth/permissions.js';

const DURATIONS = [
  { key: 'dur.1h', ms: 3_600_000 },
  { key: 'dur.4h', ms: 14_400_000 },
  { key: 'dur.24h', ms: 86_400_000 },
] as const;

/**
 * Acknowledge (with an optional reason), withdraw-acknowledgement and silence controls for one
 * alert; calls `onChanged` after a successful action.
 */
export function AlertActions({ alert, onChanged }: { alert: Alert; onChanged(): void }) {
  const { t } = useI18n();
  const [silencing, setSilencing] = useState(false);
  const [acking, setAcking] = useState(false);
  const [ackReason, setAckReason] = useState('');
  const [reason, setReason] = useState('');
  const [dur, setDur] = useState<number>(DURATIONS[0].ms);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await action();
      setSilencing(false);
      setAcking(false);
      // The row outlives this acknowledgement (withdrawn, acknowledged again): start empty then.
      setAckReason('');
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const cancelAck = () => {
    setAcking(false);
    setAckReason('');
  };

  const { session } = useSession();
  if (alert.state === 'resolved' || alert.state === 'inactive') return null;
  // Acknowledge/silence need the on-call role; others would only get a 403.
  if (!sessionCan(session, 'alerts.act')) return null;
  return (
    <div className="row">
      {alert.acknowledged ? (
        <>
          <span className="muted ack-by">
            {t('alerts.acked', { by: alert.acknowledged.by })}
            {alert.acknowledged.reason ? (
              <>
                {t('alerts.ackReasonSep')}
                <q className="ack-reason">{alert.acknowledged.reason}</q>
              </>
            ) : null}
          </span>
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(() =>
                alertsApi.unack(alert.id).catch((e: unknown) => {
                  // 409: withdrawn by someone else, or resolved, since this page showed it.
                  if (!(e instanceof ApiError && e.status === 409)) throw e;
                  setNotice(t('alerts.unackGone'));
                }),
              )
            }
          >
            {t('alerts.unack')}
          </button>
        </>
      ) : acking ? (
        <form
          className="row"
          onKeyDown={(e) => {
            if (e.key === 'Escape') cancelAck();
          }}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() =>
              alertsApi.ack(alert.id, 'dashboard', ackReason).catch((err: unknown) => {
                // 409: it resolved since this page showed it (only an active alert is acknowledged).
                if (!(err instanceof ApiError && err.status === 409)) throw err;
                setNotice(t('alerts.ackResolved'));
              }),
            );
          }}
        >
          <label className="field">
            {t('alerts.ackReason')}
            <input
              type="text"
              maxLength={500}
              value={ackReason}
              onChange={(e) => setAckReason(e.target.value)}
              placeholder={t('alerts.ackReasonHint')}
              autoFocus
            />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {t('alerts.ack')}
          </button>
          <button type="button" onClick={cancelAck}>
            {t('alerts.cancel')}
          </button>
        </form>
      ) : (
        <button type="button" disabled={busy} onClick={() => setAcking(true)}>
          {t('alerts.ack')}
        </button>
      )}
      {alert.silenced ? (
        <>
          {/* To the silences page: by whom, why and until when. */}
          <Link to="/silences" className="muted">
            {t('alerts.silenced')}
          </Link>
          {(alert.silencedBy?.length ?? 0) > 0 && (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  for (const id of alert.silencedBy ?? []) await alertsApi.expireSilence(id);
                })
              }
            >
              {t('alerts.silenceExpire')}
            </button>
          )}
        </>
      ) : silencing ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => alertsApi.silence(silenceFor(alert, reason, Date.now(), dur, 'dashboard')));
          }}
        >
          <label className="field">
            {t('alerts.silenceReason')}
            <input
              type="text"
              required
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          </label>
          <label className="field">
            {t('alerts.silenceFor')}
            <select value={dur} onChange={(e) => setDur(Number(e.target.value))}>
              {DURATIONS.map((d) => (
                <option key={d.ms} value={d.ms}>
                  {t(d.key)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {t('alerts.silenceCreate')}
          </button>
          <button type="button" onClick={() => setSilencing(false)}>
            {t('alerts.cancel')}
          </button>
        </form>
      ) : (
        <button type="button" disabled={busy} onClick={() => setSilencing(true)}>
          {t('alerts.silence')}
        </button>
      )}
      {notice && (
        <span className="muted" role="status">
          {notice}
        </span>
      )}
      {error && (
        <span className="bad" role="alert">
          {t('alerts.actionFailed', { msg: error })}
        </span>
      )}
    </div>
  );
}

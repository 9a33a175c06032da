import type { PaymentEvent } from '@paywatch/contracts';
import type { EventLabel } from '../config/schema.js';

/** The value of a rule label for an event (named like the event's fields), null when absent. */
export function labelOf(e: PaymentEvent, l: EventLabel): string | null {
  switch (l) {
    case 'provider':
      return e.provider;
    case 'method':
      return e.method;
    case 'channel':
      return e.channel;
    case 'country':
      return e.country;
    case 'currency':
      return e.currency;
    case 'merchant_id':
      return e.merchant_id;
    case 'bin':
      return e.card?.bin ?? null;
    case 'issuer_country':
      return e.card?.issuer_country ?? null;
    case 'card_brand':
      return e.card?.brand ?? null;
    case 'wallet':
      return e.card?.wallet ?? null;
    case 'user_level':
      return e.user_level;
    case 'status':
      return e.status;
  }
}

/** All rule labels of an event, absent ones as "" (what matchers see). */
export function eventLabelMap(e: PaymentEvent): Record<string, string> {
  return {
    provider: e.provider,
    method: e.method,
    channel: e.channel ?? '',
    country: e.country ?? '',
    currency: e.currency,
    merchant_id: e.merchant_id,
    bin: e.card?.bin ?? '',
    issuer_country: e.card?.issuer_country ?? '',
    card_brand: e.card?.brand ?? '',
    wallet: e.card?.wallet ?? '',
    user_level: e.user_level ?? '',
    status: e.status,
  };
}

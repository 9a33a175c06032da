// Guards wallet recognition: every Stripe wallet type and Adyen variant pattern in wallets/flags.json maps onto card.wallet / method.
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../test/fixtures/providers/load-fixture.js';
import { adyenWebhook } from './adyen.webhook.js';
import { stripeWebhook, type StripeEvent } from './stripe.webhook.js';

const flags = loadFixture('wallets', 'flags.json') as unknown as {
  stripe: { values: string[] };
  adyen: { values_pattern: string };
};

describe('wallet flags', () => {
  it('Stripe card.wallet.type: Apple/Google/Samsung Pay kept, the rest → other', () => {
    const want: Record<string, [string, string]> = {
      apple_pay: ['apple_pay', 'apple_pay'],
      google_pay: ['google_pay', 'google_pay'],
      samsung_pay: ['samsung_pay', 'card'],
      link: ['other', 'card'],
      masterpass: ['other', 'card'],
      visa_checkout: ['other', 'card'],
      amex_express_checkout: ['other', 'card'],
    };
    expect(flags.stripe.values.sort()).toEqual(Object.keys(want).sort());
    for (const type of flags.stripe.values) {
      const charge = {
        id: 'ch_w',
        object: 'charge',
        amount: 100,
        currency: 'usd',
        captured: true,
        payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242', wallet: { type } } },
      };
      const [e] = stripeWebhook.normalize({
        id: 'evt_w',
        type: 'charge.succeeded',
        created: 1_700_000_000,
        data: { object: charge },
      } as StripeEvent).events;
      expect([e?.card?.wallet, e?.method], type).toEqual(want[type]);
    }
  });

  it('Adyen paymentMethodVariant examples (visa_applepay, mc_googlepay, amex_applepay)', () => {
    const examples = [...flags.adyen.values_pattern.matchAll(/\b([a-z]+_(?:applepay|googlepay))\b/g)].map(
      (m) => m[1] ?? '',
    );
    expect(new Set(examples)).toEqual(new Set(['visa_applepay', 'mc_googlepay', 'amex_applepay']));
    const want: Record<string, [string, string, string]> = {
      visa_applepay: ['apple_pay', 'visa', 'apple_pay'],
      mc_googlepay: ['google_pay', 'mastercard', 'google_pay'],
      amex_applepay: ['apple_pay', 'amex', 'apple_pay'],
    };
    for (const variant of new Set(examples)) {
      const item = {
        pspReference: 'P',
        eventCode: 'AUTHORISATION',
        success: 'true',
        merchantAccountCode: 'M',
        amount: { value: 1, currency: 'EUR' },
        paymentMethod: variant.split('_')[0],
        additionalData: { paymentMethodVariant: variant },
      };
      const [e] = adyenWebhook.normalize({ kind: 'standard', live: false, items: [item] }).events;
      expect([e?.card?.wallet, e?.card?.brand, e?.method], variant).toEqual(want[variant]);
    }
  });
});

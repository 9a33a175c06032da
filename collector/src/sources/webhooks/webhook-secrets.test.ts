// Guards webhook secret parsing: every PAYWATCH_* variable, PEM inline / escaped / file path, errors naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { loadFixture, TEST_CERT_PEM } from '../../../test/fixtures/providers/load-fixture.js';
import { parseWebhookSecrets } from './webhook-secrets.js';

const noFiles = (p: string): string => {
  throw new Error(`ENOENT: ${p}`);
};
const alipay = loadFixture('alipay', 'node_sdk_notify_trade_status_sync.json') as unknown as {
  secret_or_key: string;
  secret_or_key_raw: string;
};
const paypalCert = (
  loadFixture('paypal', 'java_sdk_validate_cert.json').secret_or_key as { certificate_pem: string }
).certificate_pem;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseWebhookSecrets', () => {
  it('is empty when nothing is set (every provider unconfigured)', () => {
    expect(parseWebhookSecrets({}, noFiles)).toEqual({});
  });

  it('parses every variable', () => {
    const s = parseWebhookSecrets(
      {
        PAYWATCH_STRIPE_WEBHOOK_SECRET: 'whsec_a, whsec_b',
        PAYWATCH_ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
        PAYWATCH_ALIPAY_PUBLIC_KEY: alipay.secret_or_key,
        PAYWATCH_WECHATPAY_APIV3_KEY: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
        PAYWATCH_WECHATPAY_PLATFORM_CERT: '/etc/paywatch/wechat.pem',
        PAYWATCH_PAYPAL_WEBHOOK_ID: '96605875FF6516633',
        PAYWATCH_PAYPAL_CERT: paypalCert.replace(/\n/g, '\\n'),
        PAYWATCH_COINBASE_WEBHOOK_SECRET: '30291a20-0bd1-4267-9b0f-e6e7b123c0bf',
        PAYWATCH_BITPAY_WEBHOOK_ENABLED: 'true',
      },
      (p) => (p === '/etc/paywatch/wechat.pem' ? TEST_CERT_PEM() : noFiles(p)),
    );
    expect(s.stripe?.secrets).toEqual(['whsec_a', 'whsec_b']);
    expect(s.adyen?.hmacKey.length).toBe(32);
    expect(s.alipay?.publicKey.asymmetricKeyType).toBe('rsa');
    expect(s.wechatpay?.apiV3Key.toString()).toBe('a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb');
    expect(s.wechatpay?.platformKeys.map((k) => k.serial)).toEqual(['5A17C0FFEE0123']);
    expect(s.paypal?.webhookId).toBe('96605875FF6516633');
    expect(s.paypal?.keys).toHaveLength(1);
    expect(s.coinbase?.secret).toBe('30291a20-0bd1-4267-9b0f-e6e7b123c0bf');
    expect(s.bitpay).toEqual({ enabled: true });
  });

  it('accepts the Alipay key as the bare base64 the Alipay console shows', () => {
    const s = parseWebhookSecrets({ PAYWATCH_ALIPAY_PUBLIC_KEY: alipay.secret_or_key_raw }, noFiles);
    expect(s.alipay?.publicKey.export({ format: 'pem', type: 'spki' }).toString().trim()).toBe(
      alipay.secret_or_key.trim(),
    );
  });

  it('names the variable in every error', () => {
    expect(
      configError(() => parseWebhookSecrets({ PAYWATCH_ADYEN_HMAC_KEY: 'not-hex' }, noFiles)).variable,
    ).toBe('PAYWATCH_ADYEN_HMAC_KEY');
    expect(
      configError(() =>
        parseWebhookSecrets(
          { PAYWATCH_ALIPAY_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' },
          noFiles,
        ),
      ).variable,
    ).toBe('PAYWATCH_ALIPAY_PUBLIC_KEY');
    expect(
      configError(() =>
        parseWebhookSecrets(
          { PAYWATCH_WECHATPAY_APIV3_KEY: 'short', PAYWATCH_WECHATPAY_PLATFORM_CERT: TEST_CERT_PEM() },
          noFiles,
        ),
      ).variable,
    ).toBe('PAYWATCH_WECHATPAY_APIV3_KEY');
    expect(
      configError(() =>
        parseWebhookSecrets({ PAYWATCH_WECHATPAY_APIV3_KEY: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb' }, noFiles),
      ).variable,
    ).toBe('PAYWATCH_WECHATPAY_PLATFORM_CERT');
    const missingFile = configError(() =>
      parseWebhookSecrets({ PAYWATCH_PAYPAL_WEBHOOK_ID: 'ABC', PAYWATCH_PAYPAL_CERT: '/nope.pem' }, noFiles),
    );
    expect(missingFile.variable).toBe('PAYWATCH_PAYPAL_CERT');
    expect(missingFile.message).toContain('/nope.pem');
    expect(
      configError(() => parseWebhookSecrets({ PAYWATCH_PAYPAL_CERT: paypalCert }, noFiles)).variable,
    ).toBe('PAYWATCH_PAYPAL_WEBHOOK_ID');
    expect(
      configError(() => parseWebhookSecrets({ PAYWATCH_BITPAY_WEBHOOK_ENABLED: 'maybe' }, noFiles)).variable,
    ).toBe('PAYWATCH_BITPAY_WEBHOOK_ENABLED');
  });
});

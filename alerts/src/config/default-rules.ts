/**
 * The default rule pack: what `paywatch start` and `paywatch replay` use without `--rules`.
 * Tuned to catch the simulator's injected incidents (provider outage, latency spike, card
 * testing, decline shift) within two minutes and to stay quiet on its normal traffic.
 * Receivers are empty: add yours (see docs/alerts.md).
 */
export const DEFAULT_RULES_YAML = `# paywatch default rule pack
# Rates in USD: one unit of each currency in USD. The reporting currency is the host's
# (PAYWATCH_REPORTING_CURRENCY, default USD; the rates are re-based to it). A rules file that sets
# reporting_currency keeps it, with its fx rates in that currency.
fx: { EUR: 1.08, GBP: 1.27, CNY: 0.14, JPY: 0.0067, CHF: 1.13, CAD: 0.73, AUD: 0.66, SGD: 0.74, HKD: 0.128, BRL: 0.2, INR: 0.012, KRW: 0.00072, SEK: 0.095, PLN: 0.25, MXN: 0.058, KWD: 3.25 }
allowed_lateness: 1m
calendar:
  # Every slice, UTC days. An entry may carry its own timezone (IANA) or utc_offset_minutes,
  # and match (e.g. { country: [CN] }) to reach only that market's slices: docs/alerts.md, "Business calendar".
  events:
    - { name: Christmas, kind: holiday, dates: ["2025-12-25", "2026-12-25", "2027-12-25"], widen: 2, shift: 0.6 }
    - { name: New Year, kind: holiday, dates: ["2026-01-01", "2027-01-01"], widen: 2, shift: 0.6 }

rules:
  - name: provider_success_rate_drop
    description: Success rate of a provider falls significantly below its recent baseline.
    # min_attempts 60: a failed payment is often retried within seconds and fails again, so 30
    # attempts can be ~20 independent payments; at 30 a quiet provider paged on one minute of
    # 11 failures in 31 attempts (4 of them retries) in a simulated week at 2 events/s.
    detector: { type: rate, metric: success_rate, window_minutes: 5, baseline_minutes: 120, min_attempts: 60, min_effect: 0.08 }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m

  - name: slice_success_rate_drop
    description: Success rate drop on a provider × method × country slice; sparse countries pool into the provider × method slice.
    detector: { type: rate, metric: success_rate, window_minutes: 10, baseline_minutes: 240, min_attempts: 60, min_effect: 0.12 }
    group_by: [provider, method, country]
    pool: [country]
    pool_min_per_hour: 300
    severity: warning
    keep_firing_for: 3m

  - name: country_success_rate_drop
    description: Success rate of a whole country (every provider and method) falls below its recent baseline — a local scheme, acquirer or network down.
    # No pooling: a country below 60 attempts in 10 minutes is not judged (AU at night, ~8 a
    # minute, still is). A provider outage drops every country it serves: then the alert names the
    # provider (its failures concentrate there) and the provider's page inhibits it.
    detector: { type: rate, metric: success_rate, window_minutes: 10, baseline_minutes: 240, min_attempts: 60, min_effect: 0.12 }
    group_by: [country]
    severity: page
    keep_firing_for: 3m

  - name: issuer_success_rate_drop
    description: Success rate drop on one issuer's card range (BIN), e.g. its 3-D Secure (ACS) down; sparse BINs pool into their issuing country.
    detector: { type: rate, metric: success_rate, window_minutes: 10, baseline_minutes: 240, min_attempts: 60, min_effect: 0.12 }
    filter: ['bin!=""']
    group_by: [issuer_country, bin]
    pool: [bin]
    pool_min_per_hour: 300
    severity: warning
    keep_firing_for: 3m

  - name: technical_slo_burn
    description: Technical success rate (provider errors, timeouts, network errors; not issuer declines) burns the error budget of a 98% SLO fast (the two paging pairs of the SRE workbook; add the 3-day ticket pair for your own SLO).
    detector:
      type: slo
      objective: 0.98
      windows:
        - { long_minutes: 60, short_minutes: 5, burn_rate: 14.4, severity: page }
        - { long_minutes: 360, short_minutes: 30, burn_rate: 6, severity: page }
    group_by: [provider]
    severity: page
    keep_firing_for: 5m

  - name: provider_latency_spike
    description: Typical (geometric-mean) latency of a provider jumps against the last hour.
    detector: { type: level, metric: latency_gmean, window_minutes: 3, baseline_minutes: 60, k: 8, min_relative_change: 1.5, direction: spike, min_attempts: 20 }
    group_by: [provider]
    severity: warning
    keep_firing_for: 3m

  - name: expected_silence
    description: A provider × method that normally has traffic goes quiet.
    detector: { type: silence, window_minutes: 10, slot_minutes: 15, p_value: 1.0e-10, min_expected: 40, max_ratio: 0.2 }
    group_by: [provider, method]
    severity: warning
    keep_firing_for: 5m

  - name: decline_mix_shift
    detector: { type: mix, window_minutes: 10, min_failures: 40, p_value: 2.0e-6, min_jsd: 0.03 }
    severity: warning
    keep_firing_for: 5m

  - name: success_rate_forecast
    description: Predicts a provider's success rate crossing 80% within 15 minutes.
    detector: { type: forecast, metric: success_rate, threshold: 0.8, breach: below, horizon_minutes: 15, step_minutes: 1, min_attempts: 50, warmup_steps: 30 }
    group_by: [provider]
    for: 2m
    severity: warning
    keep_firing_for: 5m

  - name: card_testing
    detector: { type: card_testing, keys: [bin, device_ref, ip_ref], window_minutes: 10, small_amount: 5, min_attempts: 15, min_decline_ratio: 0.6, min_actor_share: 0.5 }
    severity: page
    keep_firing_for: 10m
    labels: { team: fraud }

  - name: customer_velocity
    detector: { type: velocity, window_minutes: 60, max_attempts: { default: 300, vip: 1000 } }
    severity: warning
    keep_firing_for: 30m
    labels: { team: fraud }

  - name: aml_large_transaction
    detector: { type: aml_threshold }
    severity: info
    keep_firing_for: 1h
    labels: { team: compliance }

  - name: aml_structuring
    detector: { type: structuring, band: 0.1, window_hours: 24, min_count: 3 }
    severity: warning
    # As long as the window: each further payment updates the one alert, which resolves 24 h
    # after the customer's last such payment (the window then holds none of them; with 1h it
    # resolved between payments 75 min apart and the next one alerted on the same customer again).
    keep_firing_for: 24h
    labels: { team: compliance }

route:
  receiver: default
  group_by: [alertname, provider]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    # A provider outage shifts the decline mix (towards provider_error/timeout), often a minute
    # before the provider's success rate shows it, and names the provider a minute or two later.
    # Its first notification waits 2 minutes, so the provider's page inhibits it before it is
    # sent; a shift spread over every provider is still notified (2 minutes later).
    - matchers: ['alertname="decline_mix_shift"']
      group_wait: 2m

receivers:
  - name: default
    channels: []

inhibit_rules:
  - source_matchers: ['alertname="provider_success_rate_drop"']
    target_matchers: ['alertname=~"slice_success_rate_drop|country_success_rate_drop|issuer_success_rate_drop|expected_silence|success_rate_forecast|decline_mix_shift"']
    equal: [provider]
  # A country down fails every provider × method slice of it, and the cards its shoppers hold:
  # its page says it once. An issuer (BIN) warning carries the shoppers' country its failures
  # concentrate on as a finding label (country), so it folds under that country's page.
  - source_matchers: ['alertname="country_success_rate_drop"']
    target_matchers: ['alertname=~"slice_success_rate_drop|issuer_success_rate_drop"']
    equal: [country]
  # A country down (naming no provider: every provider fails there) also drops a provider that
  # serves mostly that market; the provider's alert then names the country (finding label) and
  # is folded under the country's page. A provider's own outage names the provider on the
  # country's alert (provider!=""), which this rule leaves alone: the provider's page wins.
  # Muted only while the country's page fires (hold_consequences: false): a provider that goes
  # down during it is paged once it resolves (the provider's 5-minute window ends before the
  # country's 10, so a provider alert still firing then is not the country's tail).
  - source_matchers: ['alertname="country_success_rate_drop"', 'provider=""']
    target_matchers: ['alertname="provider_success_rate_drop"']
    equal: [country]
    hold_consequences: false
`;

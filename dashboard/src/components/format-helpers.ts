import { isCurrency, toMajorUnits } from '@paywatch/contracts';
import type { Formatter } from '../i18n/index.js';

/** An amount in minor units, formatted in its own currency. */
export function formatMinor(fmt: Formatter, amountMinor: number, currency: string): string {
  if (!isCurrency(currency)) return `${amountMinor} ${currency}`;
  return fmt.money(toMajorUnits(amountMinor, currency), currency);
}

/**
 * A masked card for display: BIN and last four only (what PCI DSS allows to show); the
 * middle digits are never known to paywatch.
 */
export function maskedCard(brand: string | null, bin: string | null, last4: string | null): string {
  if (!bin && !last4) return brand ?? '–';
  const head = bin ? `${bin.slice(0, 4)} ${bin.slice(4)}` : '••••';
  return `${brand ? `${brand} ` : ''}${head}•• •••• ${last4 ?? '••••'}`;
}

import { z } from 'zod';

/**
 * Dimensions the read API can group and filter by. Each maps to one column in every store
 * backend (see each backend's row mapper).
 */
export const DIMENSIONS = [
  'provider',
  'method',
  'channel',
  'status',
  'country',
  'currency',
  'merchant_id',
  'card_brand',
  'card_bin',
  'card_issuer_country',
  'card_wallet',
  'failure_category',
  'user_level',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const DimensionSchema = z.enum(DIMENSIONS);

/** Filters: each dimension may list several accepted values (OR within, AND across). */
export type Filters = Partial<Record<Dimension, string[]>> & {
  payment_id?: string;
  min_amount_minor?: number;
  max_amount_minor?: number;
};

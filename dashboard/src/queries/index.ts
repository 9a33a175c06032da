export { useQuery } from './use-query.js';
export type { QueryState, QueryOptions } from './use-query.js';
export {
  useOverview,
  useTimeseries,
  useBreakdown,
  useFailures,
  usePayment,
  useAlerts,
  useAlert,
  useAlertDeliveries,
  useSilences,
} from './read-queries.js';
export { useNow } from './use-now.js';

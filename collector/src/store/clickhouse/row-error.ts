/**
 * ClickHouse error codes that say the rows themselves cannot be stored (parse and type errors),
 * so retrying the same rows cannot help: 6, 25, 26, 27 (cannot parse …), 38 / 41 (date, date
 * time), 53 (type mismatch), 70 (cannot convert), 72 (number), 117 (incorrect data), 131 (string
 * too large).
 */
const ROW_ERROR_CODES = new Set([6, 25, 26, 27, 38, 41, 53, 70, 72, 117, 131]);

/**
 * The ClickHouse error code `err` carries, or null. The client reports the server's code in two
 * ways: a `ClickHouseError` with a numeric `.code` and the message without `Code: N` (current
 * releases, and 18.16 when the message happens to quote row text such as "(ABC_DEF)"), or a plain
 * Error whose message starts `Code: N` (18.16). Wrappers (`StoreError`) keep it as their `cause`.
 */
export function clickHouseErrorCode(err: unknown): number | null {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
    const m = /\bCode: (\d+)/.exec(e instanceof Error ? e.message : String(e));
    if (m !== null) return Number(m[1]);
    e = e instanceof Error ? e.cause : undefined;
  }
  return null;
}

/** Whether `err` is ClickHouse refusing the rows (see `clickHouseErrorCode`). */
export function isRowError(err: unknown): boolean {
  const code = clickHouseErrorCode(err);
  return code !== null && ROW_ERROR_CODES.has(code);
}

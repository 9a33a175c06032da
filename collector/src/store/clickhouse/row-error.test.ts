// Guards isRowError, the ClickHouse error classification that makes the spool dead-letter rows instead of retrying them forever: it reads the code however the client reports it (18.16 text, a parsed ClickHouseError of current releases or of an 18.16 message quoting "(ABC_DEF)"), through StoreError causes, and leaves other errors retryable.
import { parseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../lib/errors.js';
import { clickHouseErrorCode, isRowError } from './row-error.js';

// Server answers as the client receives them (the client turns them into errors with parseError).
const V18_PARSE =
  'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected " before: abc","s":"x"}: (while read the value of key ts): (at row 1)\n, e.what() = DB::Exception\n';
const V18_PARSE_QUOTING_CAPS =
  'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected " before: abc","s":"card (VISA_DEBIT) declined"}: (while read the value of key ts): (at row 1)\n, e.what() = DB::Exception\n';
const CURRENT_PARSE =
  'Code: 27. DB::ParsingException: Cannot parse input: expected \'"\' before: \'abc","s":"x"}\': (while reading the value of key ts): (at row 1)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 24.8.4.13 (official build))\n';
const CURRENT_MEMORY =
  'Code: 241. DB::Exception: Memory limit (for query) exceeded: would use 9.31 GiB (attempt to allocate chunk of 4194304 bytes), maximum: 9.31 GiB. (MEMORY_LIMIT_EXCEEDED) (version 24.8.4.13 (official build))\n';
const V18_MEMORY =
  'Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded: would use 2.01 MiB (attempt to allocate chunk of 6144 bytes), maximum: 1000.00 B, e.what() = DB::Exception\n';

describe('isRowError', () => {
  it('finds a parse error code in every form the client reports it', () => {
    for (const text of [V18_PARSE, V18_PARSE_QUOTING_CAPS, CURRENT_PARSE]) {
      const err = parseError(text);
      expect(isRowError(err), text).toBe(true);
      // As the store wraps it (the message quotes only the client's message).
      const wrapped = new StoreError(`ClickHouse insert into signal_logs failed: ${err.message}`, err);
      expect(isRowError(wrapped), text).toBe(true);
    }
  });

  it('leaves memory limits, network errors and our own error codes retryable', () => {
    expect(isRowError(parseError(CURRENT_MEMORY))).toBe(false);
    expect(isRowError(parseError(V18_MEMORY))).toBe(false);
    expect(isRowError(new Error('connect ECONNREFUSED 127.0.0.1:8123'))).toBe(false);
    expect(isRowError(new Error('Timeout error.'))).toBe(false);
    expect(isRowError(new StoreError('ClickHouse insert failed', new Error('socket hang up')))).toBe(false);
  });
});

// The migration lock (migration-lock.ts) tells "the lock is held" (57) and "no lock" (60) apart by
// these codes: on current releases they are only in the parsed error's `.code`, not its message.
const CURRENT_TABLE_EXISTS =
  'Code: 57. DB::Exception: Table paywatch.migration_lock already exists. (TABLE_ALREADY_EXISTS) (version 24.8.4.13 (official build))\n';
const V18_TABLE_EXISTS =
  'Code: 57, e.displayText() = DB::Exception: Table paywatch.migration_lock already exists., e.what() = DB::Exception\n';
const CURRENT_UNKNOWN_TABLE =
  'Code: 60. DB::Exception: Table paywatch.migration_lock does not exist. (UNKNOWN_TABLE) (version 24.8.4.13 (official build))\n';

describe('clickHouseErrorCode', () => {
  it('reads the code of current releases and of 18.16, bare or wrapped, and null for other errors', () => {
    for (const [text, code] of [
      [CURRENT_TABLE_EXISTS, 57],
      [V18_TABLE_EXISTS, 57],
      [CURRENT_UNKNOWN_TABLE, 60],
      [CURRENT_MEMORY, 241],
    ] as const) {
      const err = parseError(text);
      expect(clickHouseErrorCode(err), text).toBe(code);
      expect(
        clickHouseErrorCode(new StoreError(`ClickHouse statement failed: ${err.message}`, err)),
        text,
      ).toBe(code);
    }
    expect(clickHouseErrorCode(new Error('connect ECONNREFUSED 127.0.0.1:8123'))).toBeNull();
    expect(clickHouseErrorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeNull();
  });
});

// Guards the integration-test service lookup: endpoints parse from services.env, and a missing service is an error naming what to run or install (never a silent skip).
import { describe, expect, it } from 'vitest';
import { clickhouseEndpoint, parseEnvFile, serviceBin, serviceUrl } from './services.js';

describe('services.env', () => {
  it('parses KEY=VALUE lines, ignoring comments and blanks', () => {
    expect(parseEnvFile('# c\n\nA=1\nB=http://x:1/?a=b\n')).toEqual({ A: '1', B: 'http://x:1/?a=b' });
  });

  it('builds the ClickHouse endpoint with credentials and TCP port', () => {
    expect(
      clickhouseEndpoint({
        PAYWATCH_TEST_CLICKHOUSE_URL: 'http://127.0.0.1:1234',
        PAYWATCH_TEST_CLICKHOUSE_USER: 'u',
        PAYWATCH_TEST_CLICKHOUSE_PASSWORD: 'p',
        PAYWATCH_TEST_CLICKHOUSE_TCP_PORT: '9001',
      }),
    ).toEqual({ url: 'http://127.0.0.1:1234', username: 'u', password: 'p', tcpPort: 9001 });
  });

  it('a missing service fails with the command and packages to install', () => {
    expect(() => clickhouseEndpoint({})).toThrow(/scripts\/services\.sh up.*clickhouse-server/);
    expect(() => serviceUrl('redis', {})).toThrow(/redis.*scripts\/services\.sh up/);
    expect(() => serviceBin('promtool', {})).toThrow(/promtool.*prometheus/);
  });
});

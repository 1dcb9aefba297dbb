// A deterministic kill point for the chaos tests: with CLOUD_EMPIRE_TEST_CRASH_POINT=after-record-placement
// the operator SIGKILLs itself right after the ledger recorded a placement and before the status names it,
// the one instant a random kill rarely hits. Unset (production), nothing is armed.
import type { Logger } from 'winston';

export const TEST_CRASH_POINT_ENV = 'CLOUD_EMPIRE_TEST_CRASH_POINT';
const POINTS = ['after-record-placement'] as const;

export function testOnlyCrashAfterRecordPlacement(env: NodeJS.ProcessEnv, log: Logger): ((decisionId: string) => void) | undefined {
  const point = env[TEST_CRASH_POINT_ENV];
  if (!point) return undefined;
  if (!(POINTS as readonly string[]).includes(point))
    throw new Error(`${TEST_CRASH_POINT_ENV}=${point} is not a crash point (known: ${POINTS.join(', ')}); it is for chaos tests only, unset it`);
  log.warn('test-only crash point armed: the process kills itself after its first RecordPlacement', { component: 'operator', point });
  return (decisionId) => {
    log.warn('test-only crash point reached: SIGKILL', { component: 'operator', point, decisionId });
    process.kill(process.pid, 'SIGKILL');
  };
}

// Imported first by main.ts, so it runs before any library is loaded (see installFatalHandlers).
import { defaultLogFormat } from '../logging/logger.ts';
import { debugRequested, installFatalHandlers } from '../util/fatal.ts';

installFatalHandlers({
  program: 'cloud-empire-operator',
  debug: debugRequested(),
  // In JSON mode the line is a log record like every other the operator writes.
  format:
    defaultLogFormat() === 'json'
      ? (message) => JSON.stringify({ level: 'error', message: `fatal: ${message}`, component: 'operator', timestamp: new Date().toISOString() })
      : undefined,
});

import winston from 'winston';

import { isSecretKey, redact, redactString, REDACTED } from './redact.ts';

export { redact } from './redact.ts';

const redactFormat = winston.format((info) => {
  if (typeof info.message === 'string') info.message = redactString(info.message);
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    (info as Record<string, unknown>)[key] = isSecretKey(key) ? REDACTED : redact(info[key]);
  }
  return info;
});

export type LogFormat = 'json' | 'text';

export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stderr.isTTY)): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'text') return env.LOG_FORMAT;
  return env.NODE_ENV === 'production' || !isTty ? 'json' : 'text';
}

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Where lines go; defaults to stderr so stdout stays for command output. */
  stream?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): winston.Logger {
  const format = options.format ?? defaultLogFormat();
  const text = winston.format.printf(({ level, message, timestamp, component, ...rest }) => {
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${timestamp} ${level}${component ? ` [${component}]` : ''} ${message}${fields ? ` ${fields}` : ''}`;
  });
  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    format: winston.format.combine(
      redactFormat(),
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : winston.format.combine(winston.format.colorize(), text),
    ),
    transports: [
      options.stream
        ? new winston.transports.Stream({ stream: options.stream })
        : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] }),
    ],
  });
}

/** The process-wide logger; components take a child with `{ component }`. */
export const logger = createLogger();

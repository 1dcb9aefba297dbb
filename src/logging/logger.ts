import winston from 'winston';

// Keys whose values never reach a log line, at any depth. Kubeconfigs, tokens
// and private JWKs travel through the operator; logs travel further.
const SECRET_KEY = /^(kubeconfig|token|bearer|authorization|password|secret|privatekey|private_key|clientkey|client-key-data|client_key|d|seed|mnemonic)$/i;
const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1)]),
  );
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    (info as Record<string, unknown>)[key] = SECRET_KEY.test(key) ? REDACTED : redact(info[key]);
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

/** Structured logs for the server and workers: one JSON object per line (pino), or plain text for people. */
import { pino, type Logger } from 'pino';
import type { Config } from '../../config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'log'>, name: string): Logger {
  const { format, level } = config.log;
  const base = { name };
  if (format === 'json') return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime });
  // Text: the same fields on one line, without a worker thread transport.
  return pino(
    { level, base, timestamp: false },
    {
      write(line: string) {
        const { level: l, msg, name: n, ...rest } = JSON.parse(line);
        delete rest.pid;
        delete rest.hostname;
        const extra = Object.keys(rest).length
          ? ' ' +
            Object.entries(rest)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ')
          : '';
        process.stdout.write(`${new Date().toISOString()} ${pino.levels.labels[l] ?? l} ${n}: ${msg}${extra}\n`);
      },
    },
  );
}

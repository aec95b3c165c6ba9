import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'metalake' },
    redact: {
      paths: ['authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'token', '*.token', 'secret', '*.secret', 'connectionParams'],
      censor: '[redacted]',
    },
  });
}
export type { Logger };

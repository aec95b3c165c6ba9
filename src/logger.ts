import { AsyncLocalStorage } from 'node:async_hooks';
import { type Logger, type LoggerOptions, destination, pino } from 'pino';

/**
 * The process's logger: on stdout (servers and workers), or on stderr for the CLI's jobs, whose
 * stdout is their result (`crawl` and `import` print it as JSON; a log line must not follow it).
 */
export function createLogger(level: string, to: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'metalake' },
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        'token',
        '*.token',
        'secret',
        '*.secret',
        'connectionParams',
      ],
      censor: '[redacted]',
    },
  };
  return to === 'stderr' ? pino(options, destination({ fd: 2, sync: true })) : pino(options);
}

/** The logger of the request being served (its id, tenant and subject bound), once it is known. */
interface RequestScope {
  log: Logger | null;
}

const requests = new AsyncLocalStorage<RequestScope>();

/** Runs `work` as one request: what it causes logs through the logger `bindRequestLog` names. */
export const inRequestScope = <T>(work: () => T): T => requests.run({ log: null }, work);

/** Names the current request's logger (the GraphQL context does, once the token is verified); false outside a request. */
export function bindRequestLog(log: Logger): boolean {
  const scope = requests.getStore();
  if (!scope) return false;
  scope.log = log;
  return true;
}

/** Runs `work` with `log` as the request's logger (an operation over a websocket). */
export const withRequestLog = <T>(log: Logger, work: () => T): T => requests.run({ log }, work);

/**
 * A logger for long-lived components (the services) that writes through the current request's
 * logger when there is one, so every line a request causes carries its request id, tenant and
 * subject, and through `fallback` otherwise (workers, start-up).
 */
export function requestScoped(fallback: Logger): Logger {
  return new Proxy(fallback, {
    get(target, property) {
      const current = requests.getStore()?.log ?? target;
      const value: unknown = Reflect.get(current, property, current);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

export type { Logger };

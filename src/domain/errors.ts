// User-facing errors carry a stable code; anything else is an internal error (logged, masked).

export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT';

export interface Problem {
  /** Where in the input, e.g. `input[3].qualifiedName`. */
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, problems: Problem[] = []): DomainError => new DomainError('BAD_USER_INPUT', message, problems);

export const notFound = (message: string): DomainError => new DomainError('NOT_FOUND', message);

/** Collects validation problems so that a request reports all of them at once. */
export class Problems {
  readonly list: Problem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
  throwIfAny(summary: string): void {
    if (this.list.length === 0) return;
    const first = this.list[0];
    const detail = first ? `: ${first.path}: ${first.message}` : '';
    const more = this.list.length > 1 ? ` (and ${this.list.length - 1} more)` : '';
    throw badInput(`${summary}${detail}${more}`, this.list);
  }
}

// Inbound event claims: idempotent ingestion records the ids of the events it applies in the
// transaction that applies them, so a redelivery is skipped.
import { Problems } from '../../domain/errors.js';
import type { Command } from './command.js';

/** Records the ids as applied; answers the ones that already were (redeliveries). */
export const claimEvents: Command<readonly string[], string[]> = {
  name: 'claimEvents',
  permission: 'event:claim',
  validate(ids) {
    const problems = new Problems();
    ids.forEach((id, i) => {
      if (typeof id !== 'string' || id.length === 0) problems.add(`eventIds[${i}]`, 'must be a non-empty string');
    });
    problems.throwIfAny('Invalid event ids');
  },
  apply: ({ tx, at }, ids) => tx.claimEvents(ids, at),
};

// Figures the issue asks for that need features berth does not have yet.
// Each is a case whose available() says what it waits for; the report lists
// them as "not measured yet". To add one: give it setup/sample/teardown like
// the cases next door, and make available() probe the feature (or return true).
import type { Case } from '../framework';

function planned(id: string, title: string, section: string, how: string, waitingFor: string): Case {
  return {
    id,
    title,
    section,
    how,
    metrics: [],
    available: () => `not measured yet: ${waitingFor}`,
    async sample() {
      throw new Error(`${id} is not implemented yet`);
    },
  };
}

export const later: Case[] = [
];

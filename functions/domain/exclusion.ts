/** An admin's exclusion of one reply (`/til admin exclude|include`): a flag the reply rules read (submission.ts). */
import type { SubmissionState } from './types.js';

/** The state with the reply excluded or not; the same object when it already was, so a redelivery writes nothing. */
export function withExclusion(state: SubmissionState, excluded: boolean): SubmissionState {
  if ((state.excluded ?? false) === excluded) return state;
  if (excluded) return { ...state, excluded: true };
  const { excluded: _, ...included } = state;
  return included;
}

// The lab's state (lab-state.ts's reducer) with two refs the key handler
// needs: Ink may deliver the next key before React has rendered the last one.
import { useReducer, useRef } from 'react';
import { initialState, reduce, type LabEvent, type LabState } from './lab-state.js';

/** Events after which the prompt is empty. */
const CLEARS_PROMPT: ReadonlySet<LabEvent['type']> = new Set(['start', 'suspend', 'open', 'goto', 'menu', 'reset-step']);

/** What the prompt holds after `event`, given what it held before. */
export function typedAfter(typed: string, event: LabEvent): string {
  if (event.type === 'append') return typed + event.text;
  if (event.type === 'backspace') return typed.slice(0, -1);
  if (event.type === 'input') return event.value;
  return CLEARS_PROMPT.has(event.type) ? '' : typed;
}

export interface LabStore {
  /** the state of this render */
  readonly state: LabState;
  /** the state of the last render, for a handler subscribed before it */
  readonly latest: { readonly current: LabState };
  /** what is typed, as of the last key */
  readonly typed: { readonly current: string };
  readonly dispatch: (event: LabEvent) => void;
}

export function useLabState(selected: number): LabStore {
  const [state, dispatchNow] = useReducer(reduce, initialState(selected));
  const typed = useRef('');
  const latest = useRef(state);
  latest.current = state;
  const dispatch = (event: LabEvent) => {
    typed.current = typedAfter(typed.current, event);
    dispatchNow(event);
  };
  return { state, latest, typed, dispatch };
}

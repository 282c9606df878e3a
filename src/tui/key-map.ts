// What a key does in the lab, as a pure function of the screen's state: the
// hook (use-lab-keys.ts) carries the action out.  Keys act when the prompt is
// empty (none is the first letter of berth, docker, curl or wget); otherwise
// letters go to the prompt.
import type { Key } from 'ink';
import type { Step } from '../lessons/types.js';
import { completion, type LabEvent, type LabState } from './lab-state.js';

export type KeyAction =
  /** a change to the screen's state only */
  | { readonly type: 'dispatch'; readonly event: LabEvent }
  | { readonly type: 'open'; readonly lesson: number }
  | { readonly type: 'run'; readonly line: string }
  | { readonly type: 'goto'; readonly step: number }
  | { readonly type: 'reset-step' }
  | { readonly type: 'reset-lesson' }
  /** ctrl-c while a command runs: stop it */
  | { readonly type: 'abort' }
  | { readonly type: 'quit' }
  | { readonly type: 'none' };

const none: KeyAction = { type: 'none' };
const dispatch = (event: LabEvent): KeyAction => ({ type: 'dispatch', event });

/**
 * The action for one key.  `typed` is the prompt as of the last key (a render
 * may not have happened yet), `lessons` how many rows the menu has, `step`
 * the step on screen.
 */
export function keyAction(state: LabState, typed: string, input: string, key: Partial<Key>, lessons: number, step: Step | undefined): KeyAction {
  if (state.screen === 'menu') {
    if (key.upArrow || input === 'k') return dispatch({ type: 'move', delta: -1, count: lessons });
    if (key.downArrow || input === 'j') return dispatch({ type: 'move', delta: 1, count: lessons });
    if (key.return) return { type: 'open', lesson: state.selected };
    if (input === 'q' || (key.ctrl && input === 'c')) return { type: 'quit' };
    return none;
  }
  if (!step) return none;
  if (state.running) return key.ctrl && input === 'c' ? { type: 'abort' } : none;
  if (key.ctrl && input === 'c') return typed ? dispatch({ type: 'input', value: '' }) : { type: 'quit' };
  if (key.return) {
    if (state.busy) return none;
    return typed.trim() ? { type: 'run', line: typed } : dispatch({ type: 'notice', text: 'Type a command (Tab fills in the suggestion).' });
  }
  if (key.tab || key.rightArrow) {
    const next = completion(typed, step.commands);
    return next ? dispatch({ type: 'input', value: next }) : none;
  }
  if (key.backspace || key.delete) return dispatch({ type: 'backspace' });
  if (key.escape || (key.ctrl && input === 'u')) return dispatch({ type: 'input', value: '' });
  if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow) return none;
  if (!typed && input.length === 1) {
    switch (input) {
      case 'h':
        return dispatch({ type: 'hint', available: step.hints.length });
      case 's':
        return dispatch({ type: 'solution' });
      case 'u':
        return dispatch({ type: 'hood' });
      case 'n':
        return { type: 'goto', step: state.step + 1 };
      case 'p': // not b: b starts "berth"
        return { type: 'goto', step: state.step - 1 };
      case 'r':
        return { type: 'reset-step' };
      case 'R':
        return { type: 'reset-lesson' };
      case 'l':
        return dispatch({ type: 'menu' });
      case 'q':
        return { type: 'quit' };
    }
  }
  if (input && !/[\x00-\x1f]/.test(input)) return dispatch({ type: 'append', text: input });
  return none;
}

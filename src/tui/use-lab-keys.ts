// The lab's keyboard: each key goes through key-map.ts, and the action it
// names is carried out here.  Inactive while an interactive command has the
// real terminal.
import { useInput } from 'ink';
import type { LoadedLesson } from '../lessons/loader.js';
import { keyAction } from './key-map.js';
import type { LabStore } from './use-lab-state.js';
import type { LessonActions } from './use-lesson.js';

export function useLabKeys(lessons: readonly LoadedLesson[], lab: LabStore, actions: LessonActions): void {
  useInput(
    (input, key) => {
      // the state of the last render: Ink may deliver a key before the effect that re-subscribes this handler runs
      const state = lab.latest.current;
      const lesson = lessons[state.lesson]?.lesson;
      const step = state.screen === 'step' ? lesson?.steps[state.step] : undefined;
      const action = keyAction(state, lab.typed.current, input, key, lessons.length, step);
      switch (action.type) {
        case 'dispatch':
          return lab.dispatch(action.event);
        case 'open':
          return actions.open(action.lesson);
        case 'run':
          return void actions.runLine(action.line);
        case 'goto':
          return actions.goto(action.step);
        case 'reset-step':
          return actions.resetStep();
        case 'reset-lesson':
          return actions.resetLesson();
        case 'abort':
          return actions.abort();
        case 'quit':
          return void actions.quit();
        case 'none':
          return;
      }
    },
    { isActive: !lab.state.suspended },
  );
}

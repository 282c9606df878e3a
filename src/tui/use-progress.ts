// The learner's saved progress (lessons/progress.ts), kept in a ref so every
// handler sees the latest; a failed save is a notice, never a crash.
import { useRef } from 'react';
import { loadProgress, saveProgress, type Progress } from '../lessons/progress.js';

export interface ProgressStore {
  readonly progress: { readonly current: Progress };
  readonly save: (next: Progress) => void;
}

export function useProgress(file: string, onError: (message: string) => void): ProgressStore {
  const progress = useRef<Progress>(loadProgress(file));
  const save = (next: Progress) => {
    progress.current = next;
    try {
      saveProgress(next, file);
    } catch (error) {
      onError(`progress not saved: ${(error as Error).message}`);
    }
  };
  return { progress, save };
}

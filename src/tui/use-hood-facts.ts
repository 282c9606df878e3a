// Facts for the under-the-hood panel, read while it is shown (every 2 s).
import { useEffect, useState } from 'react';
import type { Engine } from '../engine/index.js';
import { containerFacts, touchedContainer, type Fact } from '../lessons/under-the-hood.js';

export function useHoodFacts(shown: boolean, openEngine: () => Promise<Engine>, lessonId: string, named: readonly string[], tick: unknown): Fact[] | undefined {
  const [facts, setFacts] = useState<Fact[] | undefined>(undefined);
  useEffect(() => {
    if (!shown) return;
    let live = true;
    const read = async () => {
      try {
        const engine = await openEngine();
        const record = await touchedContainer(engine, lessonId, named);
        const next = record ? await containerFacts(engine, record) : [];
        if (live) setFacts(next);
      } catch (error) {
        if (live) setFacts([{ label: 'engine', value: (error as Error).message }]);
      }
    };
    void read();
    const timer = setInterval(read, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [shown, lessonId, named.join(' '), tick]);
  return facts;
}

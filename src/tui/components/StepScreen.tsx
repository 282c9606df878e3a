// One step: prose (or the under-the-hood panel), hints, the command's
// output, the check's verdict, the prompt and the keys, within the terminal.
import { Box, Text } from 'ink';
import { color } from '../theme.js';
import type { LabState } from '../lab-state.js';
import type { Lesson, Step } from '../../lessons/types.js';
import type { Fact } from '../../lessons/under-the-hood.js';
import { HoodPanel } from './HoodPanel.js';
import { KeyBar } from './KeyBar.js';
import { Prompt } from './Prompt.js';
import { ProgressOutput } from './ProgressOutput.js';

export interface StepScreenProps {
  readonly lesson: Lesson;
  readonly step: Step;
  readonly state: LabState;
  readonly prose: string;
  readonly facts: readonly Fact[] | undefined;
  readonly passedBefore: boolean;
  readonly suggestion?: string;
  readonly width: number;
  readonly height: number;
}

export function StepScreen({ lesson, step, state, prose, facts, passedBefore, suggestion, width, height }: StepScreenProps) {
  const hints = step.hints.slice(0, state.hintsShown);
  const solution = state.solutionShown ? step.solution : [];
  const outputRows = state.output || state.running ? 5 : 0;
  const verdictRows = state.verdict ? Math.min(3, state.verdict.results.length) : 0;
  const fixed = 8 + (state.notice ? 1 : 0) + verdictRows + outputRows + hints.length + (solution.length ? solution.length + 1 : 0);
  const proseRows = Math.max(3, height - fixed);
  const proseLines = prose.split('\n');
  const cut = proseLines.length > proseRows;
  const done = state.passed || passedBefore;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold>{lesson.title}</Text>
        <Text color={color('muted')}>{` · step ${step.index + 1}/${lesson.steps.length}: `}</Text>
        <Text bold>{step.title}</Text>
        {done ? <Text color={color('ok')}>{' ✔'}</Text> : null}
      </Text>
      {state.hoodShown ? (
        <HoodPanel note={step.underTheHood} facts={facts} rows={proseRows} width={width} />
      ) : (
        <Box flexDirection="column">
          <Text>{(cut ? proseLines.slice(0, proseRows - 1) : proseLines).join('\n')}</Text>
          {cut && <Text color={color('muted')}>{'… (u shows the rest under the hood; the terminal is small)'}</Text>}
        </Box>
      )}
      {hints.map((h, i) => (
        <Text key={i} color={color('warn')} wrap="wrap">{`hint ${i + 1}/${step.hints.length}: ${h}`}</Text>
      ))}
      {solution.length > 0 && <Text color={color('warn')}>solution:</Text>}
      {solution.map((l, i) => (
        <Text key={`s${i}`} wrap="truncate">{`  ${l}`}</Text>
      ))}
      {outputRows > 0 && (
        <Box flexDirection="column" borderStyle="single" borderColor={color('muted')} paddingX={1}>
          <ProgressOutput text={state.output} rows={outputRows} width={width - 4} />
          {!state.output && <Text color={color('muted')}>…</Text>}
        </Box>
      )}
      {state.verdict && (
        <Box flexDirection="column">
          {state.verdict.ok ? (
            <Text color={color('ok')} bold wrap="truncate">{`✔ Step done: ${state.verdict.results.map((r) => r.detail).join('; ')}. n: next step`}</Text>
          ) : (
            state.verdict.results
              .filter((r) => !r.ok)
              .slice(0, 3)
              .map((r, i) => (
                <Text key={i} color={color('bad')} wrap="truncate">{`✘ not yet: ${r.detail}`}</Text>
              ))
          )}
        </Box>
      )}
      {state.notice && <Text color={color('warn')} wrap="truncate">{state.notice}</Text>}
      <Prompt input={state.input} suggestion={suggestion} running={state.running} busy={state.busy} />
      <KeyBar hood={state.hoodShown} />
    </Box>
  );
}

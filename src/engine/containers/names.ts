// Container names: Docker's rule for what a user may choose, and generated
// names in Docker's adjective_surname style (a list of our own).
import crypto from 'node:crypto';
import { invalid } from '../errors.js';

const ADJECTIVES = [
  'admiring', 'adoring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'busy',
  'charming', 'clever', 'cool', 'compassionate', 'confident', 'cranky', 'dazzling', 'determined', 'distracted', 'dreamy',
  'eager', 'ecstatic', 'elastic', 'elated', 'elegant', 'epic', 'exciting', 'fervent', 'festive', 'flamboyant',
  'focused', 'friendly', 'frosty', 'funny', 'gallant', 'gifted', 'goofy', 'gracious', 'happy', 'hardcore',
  'hopeful', 'hungry', 'infallible', 'inspiring', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving',
  'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty', 'nostalgic',
  'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'relaxed',
  'reverent', 'romantic', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange', 'suspicious', 'sweet',
  'tender', 'thirsty', 'trusting', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'youthful', 'zealous', 'zen',
];

// People who shaped operating systems, networks and computing.
const SURNAMES = [
  'allen', 'babbage', 'backus', 'bardeen', 'bell', 'berners', 'borg', 'brattain', 'cerf', 'clarke',
  'codd', 'cori', 'curie', 'darwin', 'dijkstra', 'easley', 'einstein', 'engelbart', 'euler', 'fermat',
  'feynman', 'franklin', 'galileo', 'goldberg', 'goldwasser', 'hamilton', 'hawking', 'hodgkin', 'hopper', 'hypatia',
  'jackson', 'johnson', 'kahn', 'kare', 'kilby', 'knuth', 'lamarr', 'lamport', 'liskov', 'lovelace',
  'mccarthy', 'mcclintock', 'meitner', 'minsky', 'mirzakhani', 'morse', 'newton', 'noether', 'noyce', 'pascal',
  'perlman', 'pike', 'ritchie', 'shannon', 'shaw', 'sinoussi', 'stallman', 'sutherland', 'swartz', 'tesla',
  'thompson', 'torvalds', 'turing', 'vaughan', 'wescoff', 'wilbur', 'wing', 'wozniak', 'wright', 'yonath',
];

const pick = <T>(list: readonly T[]): T => list[crypto.randomInt(list.length)]!;

/** A fresh adjective_surname name not in `taken` (a digit is appended after many collisions, as Docker does). */
export function generateName(taken: ReadonlySet<string>): string {
  for (let attempt = 0; ; attempt++) {
    let name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
    if (attempt >= 10) name += crypto.randomInt(10);
    if (!taken.has(name)) return name;
  }
}

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's rule for --name; a leading "/" is accepted and dropped. */
export function validateName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, '');
}

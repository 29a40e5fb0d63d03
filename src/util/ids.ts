import { randomBytes } from 'node:crypto';

export const newId = (): string => randomBytes(32).toString('hex');
export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** Docker's container name rule. */
export const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const ADJECTIVES = [
  'admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'beautiful', 'blissful',
  'bold', 'boring', 'brave', 'busy', 'charming', 'clever', 'compassionate', 'competent', 'condescending',
  'confident', 'cool', 'cranky', 'crazy', 'dazzling', 'determined', 'distracted', 'dreamy', 'eager',
  'ecstatic', 'elastic', 'elated', 'elegant', 'eloquent', 'epic', 'exciting', 'fervent', 'festive',
  'flamboyant', 'focused', 'friendly', 'frosty', 'funny', 'gallant', 'gifted', 'goofy', 'gracious',
  'great', 'happy', 'hardcore', 'heuristic', 'hopeful', 'hungry', 'infallible', 'inspiring', 'intelligent',
  'interesting', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving', 'lucid', 'magical', 'modest',
  'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty', 'nostalgic', 'objective', 'optimistic',
  'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'recursing',
  'relaxed', 'reverent', 'romantic', 'sad', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange',
  'stupefied', 'suspicious', 'sweet', 'tender', 'thirsty', 'trusting', 'unruffled', 'upbeat', 'vibrant',
  'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];
// Mariners, navigators and harbour builders: berth's own list.
const SURNAMES = [
  'magellan', 'cook', 'drake', 'cabot', 'hudson', 'vespucci', 'columbus', 'gama', 'cartier', 'tasman',
  'bering', 'baffin', 'frobisher', 'raleigh', 'dampier', 'bougainville', 'laperouse', 'vancouver', 'flinders',
  'franklin', 'nansen', 'amundsen', 'shackleton', 'scott', 'byrd', 'heyerdahl', 'cousteau', 'piccard',
  'zheng', 'ibn_majid', 'eriksson', 'pytheas', 'hanno', 'bowditch', 'harrison', 'maury', 'mercator',
  'ortelius', 'hakluyt', 'bligh', 'nelson', 'blake', 'slocum', 'chichester', 'knox_johnston', 'moitessier',
  'ellison', 'dekker', 'macarthur', 'ainslie', 'tabarly', 'kersauson', 'joyon', 'gabart', 'lewis', 'clark',
  'fitzroy', 'darwin', 'humboldt', 'banks', 'parry', 'ross', 'weddell', 'wilkes', 'peary', 'henson',
  'stanley', 'speke', 'burton', 'livingstone', 'kingsley', 'bird', 'stark', 'earhart', 'ride', 'tereshkova',
];

export function randomName(): string {
  const a = ADJECTIVES[Math.floor(Math.random() * ADJECTIVES.length)];
  const s = SURNAMES[Math.floor(Math.random() * SURNAMES.length)];
  return `${a}_${s}`;
}

// Every case, in the order the bench runs them. Memory goes first so "idle"
// means a daemon that has done nothing but import the image.
import type { Case } from '../framework';
import { apiLoad } from './api';
import { createRemove, psMany } from './bulk';
import { cliFloor, exec, runDetached, runRm, stop } from './containers';
import { pull, push, pushPulled, saveLoad } from './images';
import { logs } from './logs';
import { buildCase } from './build';
import { cliStart } from './cli';
import { memory } from './memory';
import { netStart, portThroughput, spawnCount } from './network';
import { overhead } from './overhead';
import { remote } from './remote';
import { composeCase } from './compose';
import { criCase } from './cri';

export const CASES: Case[] = [
  memory,
  cliFloor,
  cliStart,
  runRm,
  runDetached,
  exec,
  overhead,
  stop,
  createRemove,
  psMany,
  apiLoad,
  netStart,
  spawnCount,
  portThroughput,
  logs,
  pull,
  push,
  pushPulled,
  saveLoad,
  buildCase,
  remote,
  composeCase,
  criCase,
];

// Every case, in the order the bench runs them. Memory goes first so "idle"
// means a daemon that has done nothing but import the image.
import type { Case } from '../framework';
import { apiLoad } from './api';
import { createRemove, psMany } from './bulk';
import { cliFloor, exec, runDetached, runRm, stop } from './containers';
import { later } from './later';
import { buildCase } from './build';
import { memory } from './memory';

export const CASES: Case[] = [memory, cliFloor, runRm, runDetached, exec, stop, createRemove, psMany, apiLoad, buildCase, ...later];

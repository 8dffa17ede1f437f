import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CmapssParseError, parseRows, parseRul } from './parse.js';
import { groupByUnit, type CmapssUnit } from './units.js';

export const CMAPSS_SETS = ['FD001', 'FD002', 'FD003', 'FD004'] as const;
export type CmapssSetName = (typeof CMAPSS_SETS)[number];

export function isCmapssSetName(value: string): value is CmapssSetName {
  return (CMAPSS_SETS as readonly string[]).includes(value);
}

export interface CmapssSet {
  readonly name: CmapssSetName;
  readonly train: CmapssUnit[];
  readonly test: CmapssUnit[];
}

/** Paths of the three files of a subset inside the original directory layout. */
export function cmapssFiles(dir: string, set: CmapssSetName) {
  return {
    train: join(dir, `train_${set}.txt`),
    test: join(dir, `test_${set}.txt`),
    rul: join(dir, `RUL_${set}.txt`),
  };
}

/** Reads and parses one training file (units run to failure). */
export async function loadTrainUnits(path: string): Promise<CmapssUnit[]> {
  return groupByUnit(parseRows(await readFile(path, 'utf8'), path));
}

/** Reads a test file with its RUL file, so every unit knows its true remaining life. */
export async function loadTestUnits(testPath: string, rulPath: string): Promise<CmapssUnit[]> {
  const [testText, rulText] = await Promise.all([readFile(testPath, 'utf8'), readFile(rulPath, 'utf8')]);
  const rows = parseRows(testText, testPath);
  const rul = parseRul(rulText, rulPath);
  const unitCount = groupByUnit(rows).length;
  if (rul.length !== unitCount) {
    throw new CmapssParseError(rulPath, 0, `has ${rul.length} RUL values but ${testPath} has ${unitCount} units`);
  }
  return groupByUnit(rows, rul);
}

export async function loadCmapssSet(dir: string, set: CmapssSetName): Promise<CmapssSet> {
  const files = cmapssFiles(dir, set);
  const [train, test] = await Promise.all([loadTrainUnits(files.train), loadTestUnits(files.test, files.rul)]);
  return { name: set, train, test };
}

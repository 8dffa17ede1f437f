import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
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

/**
 * The subsets FD001 and FD002 shipped with the repository (gzip-compressed; see
 * its README for the citation and checksums): the default data directory of
 * the evaluation, training, simulator and bench command lines.
 */
export const CMAPSS_DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));

/**
 * A data file of `dir` by its original name (`train_FD001.txt`): the plain text
 * file where there is one, else its `.gz` copy where there is one, else the
 * plain name (so a missing file is reported under the name people look for).
 */
export function cmapssFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  return existsSync(`${plain}.gz`) ? `${plain}.gz` : plain;
}

/** Paths of the three files of a subset inside the original directory layout (plain or gzip). */
export function cmapssFiles(dir: string, set: CmapssSetName) {
  return {
    train: cmapssFile(dir, `train_${set}.txt`),
    test: cmapssFile(dir, `test_${set}.txt`),
    rul: cmapssFile(dir, `RUL_${set}.txt`),
  };
}

const gunzipAsync = promisify(gunzip);

/** A data file's text, decompressed when its name ends in `.gz`. */
export async function readCmapssText(path: string): Promise<string> {
  const bytes = await readFile(path);
  return (path.endsWith('.gz') ? await gunzipAsync(bytes) : bytes).toString('utf8');
}

/** Reads and parses one training file (units run to failure). */
export async function loadTrainUnits(path: string): Promise<CmapssUnit[]> {
  return groupByUnit(parseRows(await readCmapssText(path), path));
}

/** Reads a test file with its RUL file, so every unit knows its true remaining life. */
export async function loadTestUnits(testPath: string, rulPath: string): Promise<CmapssUnit[]> {
  const [testText, rulText] = await Promise.all([readCmapssText(testPath), readCmapssText(rulPath)]);
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

import { describe, expect, it } from 'vitest';
import { parseMaintenanceHistory } from './history-csv.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');

describe('maintenance history CSV', () => {
  it('parses good rows with defaults', () => {
    const { rows, errors } = parseMaintenanceHistory(
      'asset_serial,date,kind,failure_mode,parts,labour_hours\nP-1,2026-03-04,Corrective,bearing_wear,BRG-KIT*2;SEAL,2.5\nP-2,2026-05-06T10:00:00+02:00,inspection,,,\n',
      NOW,
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { row: 2, assetSerial: 'P-1', assetModel: undefined, at: Date.parse('2026-03-04T00:00:00Z'), kind: 'corrective', failureMode: 'bearing_wear', symptomCode: 'HISTORY', causeCode: 'HISTORY', remedyCode: 'HISTORY', parts: [{ partNumber: 'BRG-KIT', quantity: 2 }, { partNumber: 'SEAL', quantity: 1 }], labourHours: 2.5, responsibleDepartment: 'none' },
      { row: 3, assetSerial: 'P-2', assetModel: undefined, at: Date.parse('2026-05-06T08:00:00Z'), kind: 'inspection', failureMode: undefined, symptomCode: 'HISTORY', causeCode: 'HISTORY', remedyCode: 'HISTORY', parts: [], labourHours: 0, responsibleDepartment: 'none' },
    ]);
  });

  it('names every bad row and column', () => {
    const { rows, errors } = parseMaintenanceHistory(
      [
        'asset_serial,date,kind,failure_mode,parts',
        'P-1,2026-02-30,corrective,bearing_wear,',
        ',2026-03-01,repair,x,',
        'P-3,2026-03-01,preventive,,',
        'P-4,2027-01-01,corrective,seal,',
        'P-5,2026-03-01,corrective,seal,BRG*0',
        'P-6,2026-03-01,corrective',
        'P-7,2026-03-01 10:00,corrective,seal,',
      ].join('\n'),
      NOW,
    );
    expect(rows).toEqual([]);
    expect(errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'date'],
      [3, 'asset_serial'],
      [3, 'kind'],
      [4, 'failure_mode'],
      [5, 'date'],
      [6, 'parts'],
      [7, undefined],
      [8, 'date'],
    ]);
    expect(errors[4]!.message).toContain('in the future');
  });

  it('refuses unknown and missing columns, and empty files', () => {
    expect(parseMaintenanceHistory('asset_serial,dte,kind\nP,2026-01-01,corrective', NOW).errors.map((e) => e.message)).toEqual([
      'unknown column "dte" (expected asset_serial, asset_model, date, kind, failure_mode, symptom_code, cause_code, remedy_code, parts, labour_hours, responsible_department)',
      'missing column date',
    ]);
    expect(parseMaintenanceHistory('', NOW).errors[0]!.message).toMatch(/empty/);
    expect(parseMaintenanceHistory('asset_serial,date,kind\n', NOW).errors[0]).toEqual({ row: 2, message: 'no data rows after the header' });
  });
});

import { newId } from '@hourmeter/domain';

/**
 * Time-sortable ids for service-operation records that have no prefix in
 * `ID_PREFIXES` yet (events, schedules, part requests, transfers, returns): the same
 * ULID body as `newId`, with a prefix of their own.
 */
export function serviceId(prefix: 'woe' | 'sch' | 'prq' | 'trf' | 'stm' | 'ret' | 'haz' | 'evt' | 'whk' | 'whd' | 'wha' | 'rcp' | 'msg' | 'abs' | 'svp' | 'svq', now: number = Date.now()): string {
  return `${prefix}_${newId('stockMovement', now).slice(4)}`;
}

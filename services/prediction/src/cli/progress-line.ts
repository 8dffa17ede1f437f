import type { TrainProgress } from '../core/rul/model.js';

/** The progress line of RUL training CLIs: stage, ensemble member, boosting round, validation RMSE. */
export function trainingProgressLine(p: TrainProgress, label?: string): string {
  const val = p.validationRmse === undefined ? '' : ` val_rmse=${p.validationRmse.toFixed(2)}`;
  return `training${label ? ` ${label}` : ''} [${p.stage} ${p.member}/${p.members}] round ${p.round}/${p.rounds}${val}`;
}

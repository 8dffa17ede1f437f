/**
 * A metric's unit from its name's suffix (`oil_temp_c`, `vib_1x_mm_s`,
 * `discharge_pressure_bar`): devices declare no units, and the fleet's names
 * follow this convention. A metric without a known suffix is its own unit, so
 * a chart never puts two unknown scales on one axis.
 */
const SUFFIXES: readonly (readonly [string, string])[] = [
  ['_mm_s', 'mm/s'],
  ['_m3h', 'm³/h'],
  ['_kpa', 'kPa'],
  ['_bar', 'bar'],
  ['_psi', 'psi'],
  ['_rpm', 'rpm'],
  ['_pct', '%'],
  ['_kw', 'kW'],
  ['_hz', 'Hz'],
  ['_c', '°C'],
  ['_a', 'A'],
  ['_v', 'V'],
  ['_g', 'g'],
];

export function unitOf(metric: string): string {
  return SUFFIXES.find(([suffix]) => metric.endsWith(suffix))?.[1] ?? metric;
}

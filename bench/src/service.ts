/**
 * `npm run bench -- service [--assets 5000]`: a year of service history for a
 * fleet, then the time to compute every service report. The benchmark lives
 * with the code it measures (services/work-orders/src/cli/bench-service.ts);
 * loaded by name so this workspace needs no project reference to it.
 */
export async function run(args: string[]): Promise<void> {
  const specifier = '@hourmeter/work-orders/bench';
  const mod = (await import(specifier)) as { run: (args: string[]) => Promise<void> };
  await mod.run(args);
}

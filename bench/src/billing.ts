/**
 * `npm run bench -- billing`: the invoice-run benchmark lives with the code it
 * measures (services/contracts/src/cli/bench-billing.ts). Loaded by name so this
 * workspace needs no project reference to services/contracts.
 */
export async function run(args: string[]): Promise<void> {
  const specifier = '@hourmeter/contracts/bench';
  const mod = (await import(specifier)) as { run: (args: string[]) => Promise<void> };
  await mod.run(args);
}

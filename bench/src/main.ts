/**
 * `npm run bench -- <name>`: each benchmark prints its figures and ratios
 * against a reference measured in the same run (the machine is noisy:
 * compare ratios, not seconds) and ends with one summary line.
 */
const BENCHMARKS: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  ingest: () => import('./ingest.js'),
  prediction: () => import('./prediction.js'),
  'fleet-prediction': () => import('./fleet-prediction.js'),
  cluster: () => import('./cluster.js'),
  // These live beside the code they measure.
  service: () => import('@hourmeter/work-orders/bench'),
  'value-index': () => import('@hourmeter/work-orders/bench-value-index'),
  billing: () => import('@hourmeter/contracts/bench'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? BENCHMARKS[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]`);
    process.exit(2);
  }
  await (await load()).run(args);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

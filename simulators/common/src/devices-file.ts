import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** `data/demo-devices.json` as `npm start -- --demo` writes it. */
export const DevicesFile = z.object({
  customerId: z.string().optional(),
  devices: z
    .array(
      z.object({
        username: z.string().min(1),
        password: z.string().min(1),
        assetId: z.string().optional(),
        model: z.string().min(1),
      }),
    )
    .min(1),
});
export type DevicesFile = z.infer<typeof DevicesFile>;

export function readDevicesFile(path: string): DevicesFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read devices file ${path}: ${(err as Error).message}`);
  }
  const parsed = DevicesFile.safeParse(raw);
  if (!parsed.success) throw new Error(`devices file ${path} is not {customerId, devices:[{username,password,assetId,model}]}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

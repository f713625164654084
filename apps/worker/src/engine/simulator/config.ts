import { z } from 'zod';
import { intMs } from '@wa-fleet/config';

/** The simulator engine's settings (environment variables, validated by @wa-fleet/config). */
export const simulatorConfigSchema = z.object({
  /** Link this long after the QR is shown; negative = only when told to (`link` command). */
  SIM_LINK_DELAY_MS: z.coerce.number().int().default(5_000),
  /** Delay before a sent message is acknowledged delivered, then read (the recipient's pace). */
  SIM_ACK_DELAY_MS: intMs(200),
});

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

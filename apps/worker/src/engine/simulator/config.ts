import { z } from 'zod';
import { intMs } from '@wa-fleet/config';

/** The simulator engine's settings (environment variables, validated by @wa-fleet/config). */
export const simulatorConfigSchema = z.object({
  /** Link this long after the QR is shown; negative = only when told to (`link` command). */
  SIM_LINK_DELAY_MS: z.coerce.number().int().default(5_000),
  /** Delay before a sent message is acknowledged delivered, then read (the recipient's pace). */
  SIM_ACK_DELAY_MS: intMs(200),
  /** How long a pairing code is valid before a new one replaces it (WhatsApp: about 3 minutes). */
  SIM_PAIRING_CODE_TTL_MS: intMs(180_000),
});

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

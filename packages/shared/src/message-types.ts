// Rich WhatsApp messages: the types wa-fleet stores, the metadata WhatsApp gives about them, and the
// states of a message's file. One definition for the worker, the control plane and the portal.

export const MESSAGE_TYPES = [
  'TEXT',
  'IMAGE',
  'VIDEO',
  'AUDIO',
  'VOICE',
  'DOCUMENT',
  'STICKER',
  'LOCATION',
  'CONTACT',
  'REACTION',
  'UNSUPPORTED',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The types that carry a file the worker fetches and stores. */
export const MEDIA_MESSAGE_TYPES: readonly MessageType[] = [
  'IMAGE',
  'VIDEO',
  'AUDIO',
  'VOICE',
  'DOCUMENT',
  'STICKER',
];

export function hasMediaFile(type: MessageType): boolean {
  return MEDIA_MESSAGE_TYPES.includes(type);
}

/** PENDING: not fetched yet. RETRYING: a fetch failed, another follows. STORED. FAILED: given up. */
export const MEDIA_STATUSES = ['PENDING', 'RETRYING', 'STORED', 'FAILED'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

/** What WhatsApp tells about a message's content; every field only where it applies and is known. */
export interface MessageMeta {
  caption?: string;
  fileName?: string;
  /** As the sender declared it (the stored file's type is checked from its bytes). */
  mimeType?: string;
  /** Bytes, as declared. */
  size?: number;
  durationS?: number;
  width?: number;
  height?: number;
  latitude?: number;
  longitude?: number;
  locationName?: string;
  /** CONTACT: the vCard text (several cards joined by a blank line). */
  vcard?: string;
  /** REACTION: the emoji ('' = the reaction was taken back) and the message it is on. */
  emoji?: string;
  targetWaMessageId?: string;
}

const STRING_FIELDS = [
  'caption',
  'fileName',
  'mimeType',
  'locationName',
  'vcard',
  'emoji',
  'targetWaMessageId',
] as const;
const NUMBER_FIELDS = ['size', 'durationS', 'width', 'height', 'latitude', 'longitude'] as const;
const STRING_LIMITS: Record<(typeof STRING_FIELDS)[number], number> = {
  caption: 4096,
  fileName: 255,
  mimeType: 128,
  locationName: 500,
  vcard: 20_000,
  emoji: 32,
  targetWaMessageId: 128,
};

/** Keeps only known fields of the right type, strings cut to their limits (input from the network). */
export function cleanMessageMeta(raw: unknown): MessageMeta {
  const out: MessageMeta & Record<string, string | number> = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  for (const key of STRING_FIELDS) {
    const v = r[key];
    if (typeof v === 'string') out[key] = v.slice(0, STRING_LIMITS[key]);
  }
  for (const key of NUMBER_FIELDS) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

/**
 * The file types a tenant may send, as found in the file's bytes (never as declared), and the message
 * type each goes out as. WhatsApp shows images inline, plays audio in the chat and offers documents as
 * a download.
 */
export const OUTBOUND_MEDIA_TYPES: Readonly<Record<string, MessageType>> = {
  'image/jpeg': 'IMAGE',
  'image/png': 'IMAGE',
  'image/webp': 'IMAGE',
  'application/pdf': 'DOCUMENT',
  'audio/ogg': 'AUDIO',
  'audio/opus': 'AUDIO',
  'audio/mpeg': 'AUDIO',
  'audio/mp4': 'AUDIO',
  'audio/x-m4a': 'AUDIO',
  'audio/aac': 'AUDIO',
  'audio/amr': 'AUDIO',
};

/** The message type a file of (detected) type `mimeType` is sent as; undefined when it may not be sent. */
export function outboundMediaType(mimeType: string): MessageType | undefined {
  return Object.hasOwn(OUTBOUND_MEDIA_TYPES, mimeType) ? OUTBOUND_MEDIA_TYPES[mimeType] : undefined;
}

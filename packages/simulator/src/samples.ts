// Small real files the simulated customers send, made in code: a PNG (an RGB gradient), a WAV (a short
// tone) for audio and voice notes, a one-page PDF, an MP4 container header for video, a WebP sticker
// and a vCard. Each one is a file a real decoder or browser accepts, except the video: an MP4 with its
// `ftyp` box and an empty movie (its type is detected, it has no frames to play).
import { deflateSync } from 'node:zlib';
import type { MessageMeta, MessageType } from '@wa-fleet/shared';

export interface SampleMedia {
  data: Buffer;
  meta: MessageMeta;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGB PNG of `width` x `height`: a diagonal gradient, so a thumbnail of it is visibly an image. */
export function samplePng(width = 96, height = 64): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = Math.round((x / width) * 255);
      row[2 + x * 3] = Math.round((y / height) * 255);
      row[3 + x * 3] = 160;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A mono 16-bit PCM WAV: a tone of `hz` for `seconds`. */
export function sampleWav(seconds = 1, hz = 440, rate = 8_000): Buffer {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 8_000), i * 2);
  }
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8, 'ascii');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'ascii');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

/** A valid one-page PDF showing `text` (offsets of the cross-reference table computed). */
export function samplePdf(text = 'wa-fleet sample invoice'): Buffer {
  const safe = text.replace(/[()\\]/g, '');
  const content = `BT /F1 18 Tf 40 100 Td (${safe}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function box(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'ascii');
  return Buffer.concat([head, body]);
}

/** An MP4 container: `ftyp` (isom) and a movie header with no tracks. */
export function sampleMp4(): Buffer {
  const ftyp = box(
    'ftyp',
    Buffer.concat([Buffer.from('isom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2mp41')]),
  );
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(0x00010000, 20); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24); // volume 1.0
  mvhd.writeUInt32BE(0x00010000, 36);
  mvhd.writeUInt32BE(0x00010000, 52);
  mvhd.writeUInt32BE(0x40000000, 68);
  mvhd.writeUInt32BE(2, 96); // next track id
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd))]);
}

/**
 * An MP3: `frames` MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz) of silence; the frame headers are real
 * (a decoder plays it as a short silence), the audio data is zeros.
 */
export function sampleMp3(frames = 4): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64], 0);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/** A 1x1 lossless WebP (the smallest valid sticker). */
export function sampleWebp(): Buffer {
  return Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
}

export function sampleVcard(name = 'Ada Lovelace', phone = '+15550001234'): string {
  return `BEGIN:VCARD\nVERSION:3.0\nFN:${name}\nTEL;type=CELL;waid=${phone.replace(/\D/g, '')}:${phone}\nEND:VCARD`;
}

/** The file and metadata a simulated customer sends for a message of `type` (undefined: no file). */
export function sampleMediaFor(type: MessageType): SampleMedia | undefined {
  switch (type) {
    case 'IMAGE': {
      const data = samplePng();
      return { data, meta: { mimeType: 'image/png', size: data.length, width: 96, height: 64 } };
    }
    case 'VIDEO': {
      const data = sampleMp4();
      return { data, meta: { mimeType: 'video/mp4', size: data.length, durationS: 0 } };
    }
    case 'AUDIO': {
      const data = sampleWav(2, 330);
      return { data, meta: { mimeType: 'audio/wav', size: data.length, durationS: 2, fileName: 'tune.wav' } };
    }
    case 'VOICE': {
      const data = sampleWav(1, 220);
      return { data, meta: { mimeType: 'audio/wav', size: data.length, durationS: 1 } };
    }
    case 'DOCUMENT': {
      const data = samplePdf();
      return { data, meta: { mimeType: 'application/pdf', size: data.length, fileName: 'invoice.pdf' } };
    }
    case 'STICKER': {
      const data = sampleWebp();
      return { data, meta: { mimeType: 'image/webp', size: data.length, width: 1, height: 1 } };
    }
    default:
      return undefined;
  }
}

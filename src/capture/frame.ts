/**
 * One captured frame. Readers own a single instance and overwrite it for every
 * record, so nothing downstream may keep a reference to it or to its bytes.
 */
export class Frame {
  /** Buffer that holds the frame; usually a reader's chunk, not a copy. */
  data: Buffer = Buffer.alloc(0);
  /** Where the frame starts inside `data`. */
  offset = 0;
  /** Bytes captured (what `data` holds for this frame). */
  capLength = 0;
  /** Length of the frame on the wire. */
  origLength = 0;
  /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html). */
  linkType = 1;
  /** Capture time: whole seconds since the epoch and the nanoseconds within it. */
  tsSec = 0;
  tsNsec = 0;
  /** Which file or interface the frame came from, for messages. */
  source = '';
  /** Byte offset of the record in its file, for messages. */
  fileOffset = 0;
}

/** Capture time of a frame in milliseconds since the epoch (fractional). */
export function frameTimeMs(frame: Frame): number {
  return frame.tsSec * 1000 + frame.tsNsec / 1e6;
}

/** Receives frames from a reader or a live capture. */
export interface FrameSink {
  frame(frame: Frame): void;
}

/** A problem in one input that ended or skipped part of it; the run goes on. */
export interface CaptureWarning {
  file: string;
  offset: number;
  message: string;
}

/** The input is not a capture at all, or cannot be opened: a usage error (exit 2). */
export class CaptureFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'CaptureFormatError';
  }
}

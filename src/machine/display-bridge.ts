/**
 * The display across the thread boundary: the graphics card lives in the machine thread, the VNC
 * server and QMP's screendump in the main thread. The main thread asks with a request message
 * (which kicks vCPU 0 out of KVM_RUN); the machine thread renders and answers with a copy of the
 * frame or the screen text.
 */
import type { DisplayPort, DisplaySource, Frame } from '../display/display.js';

/** Main thread -> machine thread. */
export interface DisplayRequest {
  readonly type: 'display';
  readonly id: number;
  readonly what: 'frame' | 'text';
}

/** Machine thread -> main thread. */
export interface DisplayReply {
  readonly type: 'display';
  readonly id: number;
  readonly frame?: Frame;
  readonly text?: string[];
}

/** The machine thread's answer to one request (undefined fields: no display or not a text mode). */
export function answerDisplayRequest(source: DisplaySource | undefined, req: DisplayRequest): DisplayReply {
  if (source === undefined) return { type: 'display', id: req.id };
  if (req.what === 'text') {
    const text = source.text();
    return text === undefined ? { type: 'display', id: req.id } : { type: 'display', id: req.id, text };
  }
  const f = source.render();
  // A copy: the card reuses its frame buffer, and the message is cloned after this returns.
  return { type: 'display', id: req.id, frame: { width: f.width, height: f.height, pixels: f.pixels.slice(0, f.width * f.height * 4) } };
}

/** The main thread's DisplayPort, sending requests through `send` and matching replies by id. */
export class DisplayBridge implements DisplayPort {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: DisplayReply) => void>();

  constructor(private readonly send: (req: DisplayRequest) => void) {}

  frame(): Promise<Frame | undefined> {
    return this.ask('frame').then((r) => r.frame);
  }

  text(): Promise<string[] | undefined> {
    return this.ask('text').then((r) => r.text);
  }

  /** Delivers a reply from the machine thread. */
  onReply(reply: DisplayReply): void {
    const resolve = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    resolve?.(reply);
  }

  /** Answers every open request with "no display" (the machine has ended). */
  close(): void {
    for (const [id, resolve] of this.waiting) resolve({ type: 'display', id });
    this.waiting.clear();
  }

  private ask(what: DisplayRequest['what']): Promise<DisplayReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.send({ type: 'display', id, what });
    });
  }
}

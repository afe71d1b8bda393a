/**
 * One QMP client connection, transport-independent: bytes in, lines out. It sends QEMU's
 * greeting, holds the client in capabilities-negotiation mode until qmp_capabilities, then
 * runs commands in order (one at a time, as QEMU's monitor does without OOB) and forwards
 * events. Every reply is one line of QEMU-style JSON ending in CR LF, like QEMU's.
 * Checked against qemu-system-x86_64 7.2: the texts of the protocol errors below, `id` echoed
 * verbatim in replies and errors, and events held back until negotiation is complete.
 */
import { asMonitorError, MonitorError } from './errors.js';
import type { MonitorHub } from './events.js';
import { JsonStreamParser, type JsonMessage } from './json-stream.js';
import { toQemuJson, type JsonObject, type JsonValue } from './json-text.js';
import { executeCommand } from './qmp-commands.js';

/** Members a QMP command object may have. */
const REQUEST_MEMBERS = new Set(['execute', 'arguments', 'id']);

/** A QMP conversation; `send` writes one line to the client. */
export class QmpSession {
  private negotiated = false;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly parser: JsonStreamParser;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly hub: MonitorHub,
    private readonly send: (line: string) => void,
  ) {
    this.parser = new JsonStreamParser((m) => this.enqueue(m));
    this.unsubscribe = hub.subscribe((event) => {
      if (this.negotiated) this.write(event);
    });
    const v = hub.version;
    this.write({ QMP: { version: { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: v.package }, capabilities: [] } });
  }

  /** Bytes from the client. */
  input(data: Uint8Array): void {
    if (!this.closed) this.parser.feed(data);
  }

  /** The client went away: stop sending (commands already running finish quietly). */
  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  /** Resolves when every message received so far has been answered (for tests and shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  private write(obj: JsonObject): void {
    if (!this.closed) this.send(`${toQemuJson(obj)}\r\n`);
  }

  private enqueue(message: JsonMessage): void {
    this.queue = this.queue.then(() => this.handle(message)).catch(() => undefined);
  }

  private replyError(err: MonitorError, id: JsonValue | undefined): void {
    const reply: JsonObject = {};
    if (id !== undefined) reply.id = id;
    reply.error = { class: err.cls, desc: err.message };
    this.write(reply);
  }

  private async handle(message: JsonMessage): Promise<void> {
    if (!message.ok) {
      this.replyError(new MonitorError('GenericError', message.error), undefined);
      return;
    }
    const req = message.value;
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      this.replyError(new MonitorError('GenericError', 'QMP input must be a JSON object'), undefined);
      return;
    }
    const id = Object.prototype.hasOwnProperty.call(req, 'id') ? req.id : undefined;
    let result: JsonValue;
    try {
      const { name, args } = checkRequest(req);
      result = await this.dispatch(name, args);
    } catch (err) {
      this.replyError(asMonitorError(err), id);
      return;
    }
    const reply: JsonObject = { return: result };
    if (id !== undefined) reply.id = id;
    this.write(reply);
  }

  private async dispatch(name: string, args: JsonObject): Promise<JsonValue> {
    if (name === 'qmp_capabilities') {
      if (this.negotiated) throw new MonitorError('CommandNotFound', 'Capabilities negotiation is already complete, command ignored');
      checkCapabilities(args);
      this.negotiated = true;
      return {};
    }
    if (!this.negotiated) throw new MonitorError('CommandNotFound', "Expecting capabilities negotiation with 'qmp_capabilities'");
    return executeCommand(name, args, this.hub);
  }
}

/**
 * QEMU's checks of the request object itself (qmp_dispatch), in its order. Without the OOB
 * capability (tkvm offers none) QEMU treats "exec-oob" as an unknown member, and so does tkvm.
 */
function checkRequest(req: JsonObject): { name: string; args: JsonObject } {
  for (const key of Object.keys(req)) {
    if (!REQUEST_MEMBERS.has(key)) throw new MonitorError('GenericError', `QMP input member '${key}' is unexpected`);
  }
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(req, k);
  const name = req.execute;
  if (name === undefined) throw new MonitorError('GenericError', "QMP input lacks member 'execute'");
  if (typeof name !== 'string') throw new MonitorError('GenericError', "QMP input member 'execute' must be a string");
  const args = has('arguments') ? req.arguments : {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new MonitorError('GenericError', "QMP input member 'arguments' must be an object");
  }
  return { name, args: args ?? {} };
}

/** qmp_capabilities' optional `enable` list: tkvm offers no capabilities (no OOB). */
function checkCapabilities(args: JsonObject): void {
  for (const key of Object.keys(args)) {
    if (key !== 'enable') throw new MonitorError('GenericError', `Parameter '${key}' is unexpected`);
  }
  const enable = args.enable;
  if (enable === undefined) return;
  if (!Array.isArray(enable)) throw new MonitorError('GenericError', "Invalid parameter type for 'enable', expected: array");
  for (const cap of enable) {
    if (typeof cap !== 'string') throw new MonitorError('GenericError', "Invalid parameter type for 'enable[0]', expected: string");
    if (cap !== 'oob') throw new MonitorError('GenericError', `Parameter 'null' does not accept value '${cap}'`);
    throw new MonitorError('GenericError', "Capability 'oob' not available");
  }
}

/**
 * The host side of a character device (a serial port's line). Devices call `write` with bytes the
 * guest sent and register `onInput` for bytes that should reach the guest.
 */
export interface CharBackend {
  /** Bytes from the guest to the host (non-blocking; the backend buffers or drops). */
  write(data: Uint8Array): void;
  /** Installs the receiver of host-to-guest bytes. */
  onInput(handler: (data: Uint8Array) => void): void;
  /** Releases files, sockets and terminal modes. */
  close(): void;
}

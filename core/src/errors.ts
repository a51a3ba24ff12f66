// User-facing error types shared by the CLI, the server and the extension (runs in any process).
// An InputError is the user's problem (bad file, bad flag): shown as one line, exit code 2.

/** A problem with what the user gave us: a file, a flag, a value. Shown as one line, never a stack. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = "InputError";
  }
}

/** The command line itself is wrong (unknown subcommand, missing argument). */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Raised by long operations when their AbortSignal fires. */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}

/** Throws CancelledError if the signal has fired; call between batches and layers. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

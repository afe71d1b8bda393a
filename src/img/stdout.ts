/**
 * Standard output of `tkvm img`, set up on first use. Node builds process.stdout lazily, and
 * building it loads the stream and net or tty modules (about 15 ms of start-up in a profile of
 * convert), which commands that print nothing, such as convert, do not need.
 */

let guarded = false;

/** process.stdout, with qemu-img's quiet stop on a closed pipe installed on first use. */
export function stdout(): NodeJS.WriteStream {
  const s = process.stdout;
  if (!guarded) {
    guarded = true;
    // `tkvm img map ... | head` closes the pipe early: stop quietly, like qemu-img does.
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  return s;
}

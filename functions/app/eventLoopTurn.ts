/**
 * Lets every callback already waiting (other requests' I/O) run before continuing: a long read computed in slices
 * between such turns never holds the event loop for its whole length, so ingress keeps being answered meanwhile.
 */
export const nextEventLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

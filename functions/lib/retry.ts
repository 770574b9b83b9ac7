export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface BackoffOptions {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Upper bound of the first delay; it doubles each attempt up to capDelayMs. */
  baseDelayMs: number;
  capDelayMs: number;
}

export const defaultBackoff: BackoffOptions = { maxAttempts: 6, baseDelayMs: 50, capDelayMs: 2_000 };

/**
 * "Full jitter" exponential backoff: a random delay in [0, min(cap, base * 2^attempt)], which
 * spreads retries of concurrent invocations instead of having them collide again in lock-step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  return Math.random() * Math.min(options.capDelayMs, options.baseDelayMs * 2 ** attempt);
}

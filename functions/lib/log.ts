import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The logging surface the handlers use. Powertools' Logger satisfies it; tests and the local
 * pollers may pass anything else that does (a capturing logger, a quieter one).
 */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/**
 * Powertools' structured JSON logger. In Lambda the level comes from POWERTOOLS_LOG_LEVEL
 * (default INFO); the local stack passes a quieter default.
 */
export function createLogger(serviceName: string, logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): Logger {
  return new Logger(logLevel ? { serviceName, logLevel } : { serviceName });
}

/** The metrics surface the handlers use; Powertools' Metrics satisfies it. */
export interface MetricsSink {
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): void;
}

export const noMetrics: MetricsSink = { addMetric() {} };

/** A short description of an unknown error, for logs (never the failing payload itself). */
export function describeError(err: unknown): { errorName: string; errorMessage: string } {
  if (err instanceof Error) return { errorName: err.name, errorMessage: err.message };
  return { errorName: 'Unknown', errorMessage: String(err) };
}

/** The logging surface the app uses: the Functions InvocationContext and the local console both fit it. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function consoleLogger(minimum: LogLevel = 'info'): Logger {
  const enabled = (level: LogLevel) => order.indexOf(level) >= order.indexOf(minimum);
  const at =
    (level: LogLevel) =>
    (message: string, ...details: unknown[]) => {
      if (!enabled(level)) return;
      const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}`;
      (level === 'error' || level === 'warn' ? console.error : console.log)(line, ...details);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

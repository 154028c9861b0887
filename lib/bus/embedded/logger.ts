// The logging the bus needs: structured details first, message second (a pino Logger fits).
export interface BusLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: BusLogger = { info() {}, warn() {}, error() {} };

// pino JSON logs. One root logger per process; components take a child with their name.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string = process.env.TRACERELAY_LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { service: "tracerelay", pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets must never reach a log line, even by accident in an error object.
    redact: { paths: ["*.secret", "*.secret_key", "*.password", "*.authorization", "req.headers.authorization", "req.headers[\"x-api-key\"]"], censor: "[redacted]" },
  });
}

// The shared delivery helper's public surface. Destinations import from here only; nothing in a
// destination folder imports p-retry or opossum (STYLE.md).
export type { BreakerState, Client, DestinationAdapter, Mapper, SendContext } from "./types.ts";
export { type Clock, systemClock } from "./clock.ts";
export { DELIVERY_DEFAULTS, type DeliveryConfig, type DeliveryOptions, resolveDeliveryOptions } from "./config.ts";
export { type DeadLetter, type DeadLetterSink, InMemoryDeadLetterSink } from "./dead-letter.ts";
export { createDelivery, type Delivery, type DeliveryDeps, type DeliveryStats } from "./delivery.ts";
export { idempotencyKey } from "./batch-key.ts";
export { destinationConfigParser } from "./destination-config.ts";
export { parseDuration } from "./duration.ts";
export {
  DELIVERY_ERROR_CODES,
  DeliveryConfigError,
  DeliveryError,
  type DeliveryErrorCode,
  DeliveryShutdownError,
  type ErrorClass,
  MappingError,
  type PartialFailure,
  PartialFailureError,
  PermanentError,
  RetryableError,
  spanKey,
} from "./errors.ts";
export { networkError, type PostResult, parseRetryAfter, post, throwForStatus } from "./http.ts";
export { BREAKER_STATE_VALUE, deliveryMetrics } from "./metrics.ts";

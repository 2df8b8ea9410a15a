export { ServingError, type ServingErrorCode } from "./errors.ts";
export { createServing, type Invocation, type Serving, type ServingOptions } from "./serving.ts";

/** MLflow's error codes, with the HTTP status MLflow's server gives each. */
export const MlflowCode = {
  notFound: "RESOURCE_DOES_NOT_EXIST",
  invalid: "INVALID_PARAMETER_VALUE",
  exists: "RESOURCE_ALREADY_EXISTS",
  conflict: "RESOURCE_CONFLICT",
  endpointNotFound: "ENDPOINT_NOT_FOUND",
  permissionDenied: "PERMISSION_DENIED",
  unauthenticated: "UNAUTHENTICATED",
  internal: "INTERNAL_ERROR",
} as const;
export type MlflowCode = (typeof MlflowCode)[keyof typeof MlflowCode];

const statusOf: Record<MlflowCode, 400 | 401 | 403 | 404 | 409 | 500> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_CONFLICT: 409,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  INTERNAL_ERROR: 500,
};

/** A tracking error meant for the client; the HTTP layers render it in their own shape. */
export class TrackingError extends Error {
  constructor(
    readonly code: MlflowCode,
    message: string,
  ) {
    super(message);
  }
  get status() {
    return statusOf[this.code];
  }
}

export const invalid = (message: string) => new TrackingError(MlflowCode.invalid, message);
export const missing = (message: string) => new TrackingError(MlflowCode.notFound, message);
export const exists = (message: string) => new TrackingError(MlflowCode.exists, message);

export { ApiRequestError, TandemClient } from "./client.ts";

// chanx TypeScript client runtime, emitted by `chanx gen client --lang
// typescript` into base/ beside the generated client. It has no
// dependencies; the generated client imports it, and so may applications
// (errors, hook and option types). validate.js is for generated code.

export {
  Connection,
  type AbortSignalLike,
  type ChannelSpec,
  type ClientOptions,
  type CloseInfo,
  type ConnectRequest,
  type ConnectionState,
  type FrameOf,
  type Hooks,
  type ReconnectOptions,
  type ReplyOf,
  type RequestOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./client.js";
export {
  ChanxError,
  ClosedError,
  ConnectionLostError,
  DialError,
  NotConnectedError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "./errors.js";
export { ProblemType, locString, type LocItem, type Problem } from "./problems.js";
export { buildUrl, pathEscape, type Query } from "./url.js";

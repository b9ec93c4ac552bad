/** Error codes every transport of the app API uses; the message is always safe to show a person. */
export type ApiErrorCode =
  | 'invalid_input'
  | 'invalid_output'
  | 'unknown_method'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'not_supported'
  | 'unauthorized'
  | 'forbidden'
  | 'internal';

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** The wire shape of an error, over HTTP (JSON body) and IPC (structured clone). */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

export function isApiErrorBody(v: unknown): v is ApiErrorBody {
  const e = (v as ApiErrorBody | null)?.error;
  return !!e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string';
}

// ApiError: every failed call to the server, in one shape the pages can show.
import type { ErrorBody } from './types';

export type ErrorCode = ErrorBody['error']['code'] | 'network' | 'unknown';

export interface ApiErrorDetails {
  /** The request field the error is about ("email", "body"). */
  field?: string;
  /** JSON rule errors: an RFC 6901 pointer into the rule. */
  pointer?: string;
  /** Rule text errors: where the problem is. */
  offset?: number;
  line?: number;
  column?: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** The message in Chinese, where the server has one (audience rules). */
    readonly messageZh: string | undefined,
    readonly details: ApiErrorDetails,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }

  /**
   * The message to show in `locale`. The server's messages are written for merchants and never
   * hold personal data, so they are shown as they are; `message_zh` is preferred in Chinese.
   */
  localized(locale: string): string {
    if (locale.startsWith('zh') && this.messageZh) return this.messageZh;
    return this.message;
  }

  /** Reads an error response: the API's JSON Error body, or a fallback for anything else. */
  static async fromResponse(response: Response): Promise<ApiError> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    return ApiError.fromBody(response, body);
  }

  /** As fromResponse, for a body already read (openapi-fetch parses it before returning). */
  static fromBody(response: Response, body: unknown): ApiError {
    const requestId = response.headers.get('X-Request-Id') ?? undefined;
    if (isErrorBody(body)) {
      const e = body.error;
      const details: ApiErrorDetails = {};
      if (e.field !== undefined) details.field = e.field;
      if (e.pointer !== undefined) details.pointer = e.pointer;
      if (e.offset !== undefined) details.offset = e.offset;
      if (e.line !== undefined) details.line = e.line;
      if (e.column !== undefined) details.column = e.column;
      return new ApiError(response.status, e.code, e.message, e.message_zh, details, requestId);
    }
    // A proxy's HTML page or an empty body: keep the status, say what happened in plain words.
    const text = response.statusText || `HTTP ${response.status}`;
    return new ApiError(response.status, 'unknown', text, undefined, {}, requestId);
  }

  static network(cause: unknown): ApiError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new ApiError(0, 'network', message, undefined, {}, undefined);
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

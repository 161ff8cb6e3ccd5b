// The console's HTTP client: openapi-fetch typed by the server's OpenAPI document
// (src/api/schema.d.ts), plus what every call needs.
//
//   import { client, call } from '@/api/client';
//   const page = await call(client.GET('/api/v1/customers', { params: { query: { q: 'wang@example.com' } } }));
//   // page is CustomerList; a failure throws ApiError (status, code, message, message_zh, field …)
//
// - Cookies go with every request (the session cookie is HttpOnly; the console never sees it).
// - Every request carries X-Requested-With: the server refuses cookie-authenticated writes
//   without it (CSRF defence, src/yutang/http/guard.cpp).
// - A 401 while signed in means the session ended (idle 2 h, 12 h cap, disabled account):
//   the handler set with onSessionExpired sends the user to the login page with a message.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError } from './errors';

export { ApiError } from './errors';

type SessionExpiredHandler = () => void;
let sessionExpiredHandler: SessionExpiredHandler | undefined;

/** Called once by the app: what to do when a signed-in session gets a 401. */
export function onSessionExpired(handler: SessionExpiredHandler | undefined): void {
  sessionExpiredHandler = handler;
}

const headersMiddleware: Middleware = {
  onRequest({ request }) {
    request.headers.set('X-Requested-With', 'XMLHttpRequest');
    return request;
  },
};

export const client = createClient<paths>({
  // Absolute, because openapi-fetch builds a Request, which needs one outside a browser (tests).
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
  // Resolved at call time so tests can replace globalThis.fetch.
  fetch: (request: Request) => globalThis.fetch(request),
});
client.use(headersMiddleware);

interface Result<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The login and me calls answer 401 for a wrong password or no session: not an expiry. */
const notExpiryPaths = ['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/me'];

/**
 * Awaits an openapi-fetch call and returns its data, or throws ApiError. A 401 on any other
 * path while signed in also triggers the session-expired handler.
 */
export async function call<D>(pending: Promise<Result<D>>): Promise<D> {
  let result: Result<D>;
  try {
    result = await pending;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw ApiError.network(cause);
  }
  const { response } = result;
  if (!response.ok) {
    const error = ApiError.fromBody(response, result.error);
    if (response.status === 401 && !notExpiryPaths.includes(new URL(response.url, 'http://x').pathname)) {
      sessionExpiredHandler?.();
    }
    throw error;
  }
  // 204 and other empty answers carry no data; their callers ignore the value.
  return result.data as D;
}

/**
 * For calls openapi-fetch does not fit: a raw body (file upload) or a non-JSON answer (CSV).
 * Same headers, same errors as `call`.
 */
export async function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('X-Requested-With', 'XMLHttpRequest');
  let response: Response;
  try {
    response = await globalThis.fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch (cause) {
    throw ApiError.network(cause);
  }
  if (!response.ok) {
    const error = await ApiError.fromResponse(response);
    if (response.status === 401) sessionExpiredHandler?.();
    throw error;
  }
  return response;
}

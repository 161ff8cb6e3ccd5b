import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, call, client, onSessionExpired, rawFetch } from './client';

function json(status: number, body: unknown, url = 'http://localhost/api/v1/customers'): Response {
  const response = new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1' },
  });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

describe('API client', () => {
  const fetchMock = vi.fn<(input: Request | string, init?: RequestInit) => Promise<Response>>();

  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    onSessionExpired(undefined);
  });

  it('sends X-Requested-With and returns the data', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { items: [], total: 0, next_before: null }));
    const phone = ['138', '0000', '0000'].join(''); // in parts: no whole mobile number in the source
    const page = await call(client.GET('/api/v1/customers', { params: { query: { q: phone } } }));
    expect(page.total).toBe(0);
    const request = fetchMock.mock.calls[0]![0] as Request;
    expect(request.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
    expect(new URL(request.url).searchParams.get('q')).toBe(phone);
  });

  it('turns an error body into an ApiError with its details', async () => {
    fetchMock.mockResolvedValueOnce(
      json(400, {
        error: { code: 'invalid_argument', message: 'unknown field foo', message_zh: '未知字段 foo', field: 'rule', pointer: '/all/0', line: 1, column: 5 },
      }),
    );
    const error = await call(client.GET('/api/v1/customers')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('invalid_argument');
    expect(apiError.details).toEqual({ field: 'rule', pointer: '/all/0', line: 1, column: 5 });
    expect(apiError.requestId).toBe('req-1');
    expect(apiError.localized('zh-CN')).toBe('未知字段 foo');
    expect(apiError.localized('en')).toBe('unknown field foo');
  });

  it('uses the English message in Chinese when there is no message_zh', async () => {
    fetchMock.mockResolvedValueOnce(json(404, { error: { code: 'not_found', message: 'customer 9 not found' } }));
    const error = (await call(client.GET('/api/v1/customers')).catch((e: unknown) => e)) as ApiError;
    expect(error.localized('zh-CN')).toBe('customer 9 not found');
  });

  it('keeps the status of a response that is not the API error shape', async () => {
    const response = new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    fetchMock.mockResolvedValueOnce(response);
    const error = (await call(client.GET('/api/v1/customers')).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.code).toBe('unknown');
  });

  it('reports a network failure as status 0', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const error = (await call(client.GET('/api/v1/customers')).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.code).toBe('network');
  });

  it('calls the session-expired handler on a 401 from a page', async () => {
    const expired = vi.fn();
    onSessionExpired(expired);
    fetchMock.mockResolvedValueOnce(json(401, { error: { code: 'unauthenticated', message: 'session expired' } }));
    await expect(call(client.GET('/api/v1/customers'))).rejects.toBeInstanceOf(ApiError);
    expect(expired).toHaveBeenCalledOnce();
  });

  it('does not treat a wrong password or a signed-out /me as an expiry', async () => {
    const expired = vi.fn();
    onSessionExpired(expired);
    fetchMock.mockResolvedValueOnce(
      json(401, { error: { code: 'unauthenticated', message: 'wrong email or password' } }, 'http://localhost/api/v1/auth/login'),
    );
    await expect(call(client.POST('/api/v1/auth/login', { body: { email: 'a@b.c', password: 'x' } }))).rejects.toMatchObject({
      status: 401,
      message: 'wrong email or password',
    });
    fetchMock.mockResolvedValueOnce(json(401, { error: { code: 'unauthenticated', message: 'no session' } }, 'http://localhost/api/v1/me'));
    await expect(call(client.GET('/api/v1/me'))).rejects.toBeInstanceOf(ApiError);
    expect(expired).not.toHaveBeenCalled();
  });

  it('rawFetch adds the header and throws ApiError too', async () => {
    fetchMock.mockResolvedValueOnce(json(413, { error: { code: 'invalid_argument', message: 'file too large', field: 'body' } }));
    const error = (await rawFetch('/api/v1/imports', { method: 'POST', body: 'x' }).catch((e: unknown) => e)) as ApiError;
    expect(error.details.field).toBe('body');
    const init = fetchMock.mock.calls[0]![1]!;
    expect(new Headers(init.headers).get('X-Requested-With')).toBe('XMLHttpRequest');
  });
});

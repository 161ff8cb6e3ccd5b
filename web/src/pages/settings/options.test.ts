import { describe, expect, it } from 'vitest';
import { messages } from '@/locales';
import { adminScopes, auditPrefixes, dotKey, sdkSnippets, timeZones, zoneOffset } from './options';

describe('settings options', () => {
  it('puts Asia/Shanghai first and knows its offset', () => {
    expect(timeZones[0]).toBe('Asia/Shanghai');
    expect(zoneOffset('Asia/Shanghai')).toBe('GMT+8');
    expect(zoneOffset('Not/AZone')).toBe('');
  });

  it('never offers events.write to an admin key', () => {
    expect(adminScopes).not.toContain('events.write');
  });

  it('points the SDK snippets at this server with the write key', () => {
    const s = sdkSnippets('ytw_1_secret', 'http://127.0.0.1:8080');
    expect(s.node).toContain("new Analytics({ writeKey: 'ytw_1_secret', host: 'http://127.0.0.1:8080' })");
    expect(s.browser).toContain("apiHost: '127.0.0.1:8080/v1', protocol: 'http'");
    expect(s.curl).toContain("curl -u 'ytw_1_secret:' http://127.0.0.1:8080/v1/track");
  });

  it('has a Chinese and English label for every permission and audit action it shows', () => {
    const actions = ['auth.login', 'auth.login_failed', 'staff.created', 'staff.role_changed', 'staff.disabled', 'staff.enabled', 'staff.renamed', 'pii.viewed', 'apikey.created', 'apikey.revoked', 'store.created', 'store.updated', 'merchant.updated', 'import.created', 'data.exported', 'data.deleted', 'customer.owner_changed', 'consent.recorded'];
    for (const language of ['zh-CN', 'en'] as const) {
      const settings = messages[language]['settings'] as { permissions: Record<string, string>; audit: { actions: Record<string, string>; prefixes: Record<string, string> } };
      for (const p of [...adminScopes, 'events.write']) expect(settings.permissions[dotKey(p)], p).toBeTruthy();
      for (const a of actions) expect(settings.audit.actions[dotKey(a)], a).toBeTruthy();
      for (const prefix of auditPrefixes) expect(settings.audit.prefixes[prefix.slice(0, -1)], prefix).toBeTruthy();
    }
    expect((messages['zh-CN']['settings'] as { audit: { actions: Record<string, string> } }).audit.actions['auth_login']).toBe('登录');
  });
});

// The signed-in staff member, their merchant and permissions (GET /api/v1/me). Permissions
// decide which menu items and buttons show; the server checks them again on every call.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { call, client, ApiError } from '@/api/client';
import type { Me, Permission } from '@/api/types';

export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null);
  /** True once /me has answered (signed in or not), so the router knows whether to ask. */
  const checked = ref(false);

  const signedIn = computed(() => me.value !== null);
  const timeZone = computed(() => me.value?.tenant.time_zone ?? 'Asia/Shanghai');

  function can(permission: Permission | undefined): boolean {
    if (!permission) return true;
    return me.value?.permissions.includes(permission) ?? false;
  }

  async function load(): Promise<void> {
    try {
      me.value = await call(client.GET('/api/v1/me'));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      me.value = null;
    } finally {
      checked.value = true;
    }
  }

  async function login(email: string, password: string): Promise<void> {
    const response = await call(client.POST('/api/v1/auth/login', { body: { email, password } }));
    me.value = { staff: response.staff, tenant: response.tenant, permissions: response.permissions };
    checked.value = true;
  }

  async function logout(): Promise<void> {
    try {
      await call(client.POST('/api/v1/auth/logout'));
    } finally {
      me.value = null;
    }
  }

  /** The server said the session ended: forget it without another request. */
  function expire(): void {
    me.value = null;
  }

  /** A merchant's settings changed (name, time zone): keep the header and dates in step. */
  function setTenant(tenant: Me['tenant']): void {
    if (me.value) me.value = { ...me.value, tenant };
  }

  return { me, checked, signedIn, timeZone, can, load, login, logout, expire, setTenant };
});

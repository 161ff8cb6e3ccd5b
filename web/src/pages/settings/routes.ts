import type { RouteRecordRaw } from 'vue-router';
import { Setting } from '@element-plus/icons-vue';

// No single permission: each tab checks its own (merchant settings, staff, stores, API keys,
// audit log), and every role may at least list the stores, so the entry is shown to everyone.
export const routes: RouteRecordRaw[] = [
  {
    path: 'settings',
    name: 'settings',
    component: () => import('./SettingsPage.vue'),
    meta: { title: 'nav.settings', menu: { label: 'nav.settings', icon: Setting, order: 50 } },
  },
];

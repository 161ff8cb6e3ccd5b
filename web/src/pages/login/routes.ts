import type { RouteRecordRaw } from 'vue-router';

export const standalone: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./LoginPage.vue'),
    meta: { public: true, title: 'nav.login' },
  },
];

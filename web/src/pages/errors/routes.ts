import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: 'forbidden', name: 'forbidden', component: () => import('./ForbiddenPage.vue') },
  { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('./NotFoundPage.vue') },
];

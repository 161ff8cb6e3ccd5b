import type { RouteRecordRaw } from 'vue-router';
import { DataAnalysis } from '@element-plus/icons-vue';

export const routes: RouteRecordRaw[] = [
  {
    path: 'overview',
    name: 'overview',
    component: () => import('./OverviewPage.vue'),
    meta: { permission: 'insight.read', title: 'nav.overview', menu: { label: 'nav.overview', icon: DataAnalysis, order: 10 } },
  },
];

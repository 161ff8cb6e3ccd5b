import type { RouteRecordRaw } from 'vue-router';
import { Filter } from '@element-plus/icons-vue';

export const routes: RouteRecordRaw[] = [
  {
    path: 'segments',
    name: 'segments',
    component: () => import('./SegmentsPage.vue'),
    meta: { permission: 'customers.read', title: 'nav.segments', menu: { label: 'nav.segments', icon: Filter, order: 40 } },
  },
  {
    path: 'segments/new',
    name: 'segment-new',
    component: () => import('./SegmentEditorPage.vue'),
    meta: { permission: 'segments.write', title: 'nav.segments' },
  },
  {
    path: 'segments/:id(\\d+)',
    name: 'segment',
    component: () => import('./SegmentPage.vue'),
    props: (route) => ({ id: Number(route.params['id']) }),
    meta: { permission: 'customers.read', title: 'nav.segments' },
  },
  {
    path: 'segments/:id(\\d+)/edit',
    name: 'segment-edit',
    component: () => import('./SegmentEditorPage.vue'),
    props: (route) => ({ id: Number(route.params['id']) }),
    meta: { permission: 'segments.write', title: 'nav.segments' },
  },
];

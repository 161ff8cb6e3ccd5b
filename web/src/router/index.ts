// Routes come from each area's src/pages/<area>/routes.ts (collected here, so adding a page
// never means editing a shared list). Pages inside the console layout are children of '/'.
import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router';
import './meta';
import AppLayout from '@/layouts/AppLayout.vue';
import { useSessionStore } from '@/stores/session';
import { i18n } from '@/locales';
import type { Permission } from '@/api/types';

interface AreaRoutes {
  /** Pages inside the console layout (menu, header). */
  routes?: RouteRecordRaw[];
  /** Pages of their own (login). */
  standalone?: RouteRecordRaw[];
}

const areas = Object.values(import.meta.glob<AreaRoutes>('../pages/*/routes.ts', { eager: true }));

export const layoutRoutes: RouteRecordRaw[] = areas.flatMap((area) => area.routes ?? []);

/** The first page the user may open, by menu order: overview for owners, customers for guides. */
export function homeFor(can: (permission: Permission | undefined) => boolean): string {
  const entries = layoutRoutes
    .filter((r) => r.meta?.menu && can(r.meta.permission))
    .sort((a, b) => (a.meta?.menu?.order ?? 0) - (b.meta?.menu?.order ?? 0));
  const first = entries[0];
  return first ? `/${first.path.replace(/^\//, '')}` : '/forbidden';
}

/** The browser tab's title for a page's title key, in the current language. */
export function pageTitle(titleKey: string | undefined): string {
  const appName = i18n.global.t('common.appName');
  return titleKey ? `${i18n.global.t(titleKey)} · ${appName}` : appName;
}

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      ...areas.flatMap((area) => area.standalone ?? []),
      {
        path: '/',
        component: AppLayout,
        children: [
          // Where '/' leads depends on the user's permissions, known only once the session is
          // loaded; a redirect function would run before the guard loads it, so the guard below
          // sends 'home' on. The component is never shown.
          { path: '', name: 'home', component: { render: () => null } },
          ...layoutRoutes,
        ],
      },
    ],
    scrollBehavior: () => ({ top: 0 }),
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    if (!session.checked) {
      try {
        await session.load();
      } catch {
        // The server is unreachable: let the page open and show its own error.
      }
    }
    if (to.meta.public) {
      if (to.name === 'login' && session.signedIn) return { path: '/' };
      return true;
    }
    if (!session.signedIn) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    }
    if (to.name === 'home') return { path: homeFor((p) => session.can(p)), replace: true };
    if (to.meta.permission && !session.can(to.meta.permission)) {
      return { name: 'forbidden' };
    }
    return true;
  });

  router.afterEach((to) => {
    document.title = pageTitle(to.meta.title);
  });

  return router;
}

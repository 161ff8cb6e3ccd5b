import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './styles.css';
import App from './App.vue';
import { createAppRouter } from './router';
import { currentLanguage, i18n } from './locales';
import { onSessionExpired } from './api/client';
import { useSessionStore } from './stores/session';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
app.use(ElementPlus);
const router = createAppRouter();
app.use(router);
document.documentElement.lang = currentLanguage();

// A 401 on a page means the session ended while the page was open: back to the login page,
// which says so, and then back here after signing in.
onSessionExpired(() => {
  const session = useSessionStore(pinia);
  if (!session.signedIn) return;
  session.expire();
  const current = router.currentRoute.value;
  if (current.name !== 'login') {
    void router.replace({ name: 'login', query: { reason: 'expired', redirect: current.fullPath } });
  }
});

void router.isReady().then(() => app.mount('#app'));

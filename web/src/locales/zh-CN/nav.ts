// Menu and page titles.
export default {
  overview: '数据看板',
  customers: '客户',
  customer: '客户详情',
  imports: '导入',
  segments: '客户分层',
  settings: '设置',
  login: '登录',
};

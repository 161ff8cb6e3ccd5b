export default {
  title: '登录鱼塘',
  subtitle: '私域客户运营平台',
  email: '邮箱',
  password: '密码',
  submit: '登录',
  emailRequired: '请输入邮箱',
  passwordRequired: '请输入密码',
  expired: '登录已过期，请重新登录',
  loggedOut: '你已退出登录',
};

export default {
  title: 'Log in to Yutang',
  subtitle: 'Private-domain customer operations',
  email: 'Email',
  password: 'Password',
  submit: 'Log in',
  emailRequired: 'Enter your email',
  passwordRequired: 'Enter your password',
  expired: 'Your session has expired. Please log in again.',
  loggedOut: 'You have logged out.',
};

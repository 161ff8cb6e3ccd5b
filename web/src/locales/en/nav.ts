export default {
  overview: 'Overview',
  customers: 'Customers',
  customer: 'Customer',
  imports: 'Import',
  segments: 'Segments',
  settings: 'Settings',
  login: 'Log in',
};

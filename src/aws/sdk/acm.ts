export { ACMClient } from '@aws-sdk/client-acm';

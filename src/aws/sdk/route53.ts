export { Route53Client } from '@aws-sdk/client-route-53';

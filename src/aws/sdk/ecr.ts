export { ECRClient } from '@aws-sdk/client-ecr';

export { ECSClient } from '@aws-sdk/client-ecs';

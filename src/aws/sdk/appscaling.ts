export { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';

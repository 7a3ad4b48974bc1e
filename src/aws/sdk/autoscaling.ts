export { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

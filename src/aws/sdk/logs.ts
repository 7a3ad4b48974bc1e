export { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

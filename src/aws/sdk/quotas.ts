export { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';

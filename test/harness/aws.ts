/** SDK clients for tests to read back what ecsctl did, straight from the server, not through ecsctl. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export function verifyClients(endpoint: string, region = 'us-east-1') {
  const config = {
    region,
    endpoint,
    credentials: { accessKeyId: 'AKIAECSCTLTEST000000', secretAccessKey: 'verify' },
    maxAttempts: 2,
  };
  return {
    ecr: new ECRClient(config),
    ecs: new ECSClient(config),
    ec2: new EC2Client(config),
    elb: new ElasticLoadBalancingV2Client(config),
    iam: new IAMClient(config),
    ssm: new SSMClient(config),
    logs: new CloudWatchLogsClient(config),
    acm: new ACMClient(config),
    route53: new Route53Client(config),
  };
}
export type VerifyClients = ReturnType<typeof verifyClients>;

/** An S3 client straight to moto, for the s3:// state's bucket: path-style, as moto has no per-bucket DNS names. */
export function motoS3(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

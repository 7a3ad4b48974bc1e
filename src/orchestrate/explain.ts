/**
 * What each task of `up` and `down` would have been in the walkthrough: the aws/docker commands a
 * person typed. `--dry-run` prints them beside the plan, so the plan also teaches.
 */
import type { State } from '../state/schema.js';
import type { DownTaskId } from './down.js';
import type { UpSettings } from './settings.js';
import type { UpTaskId } from './up.js';
import { managedPolicyArn } from '../aws/arn.js';
import { downDomainEquivalents, upDomain, upDomainEquivalents } from './domain-tasks.js';

export function upEquivalents(id: UpTaskId, s: UpSettings, state: State): string[] {
  const n = state.name;
  const vpc = state.network?.vpcId ?? '<vpc-id>';
  const lbSg = state.lbSecurityGroup?.id ?? '<lb-sg-id>';
  const repoUri = state.repository?.uri ?? '<repo-uri>';
  const domain = upDomain(s, state);
  switch (id) {
    case 'certificate':
    case 'https':
    case 'alias':
      return domain ? upDomainEquivalents(id, domain, state, s.listenerPort) : [];
    case 'network':
      return [
        'aws ec2 describe-vpcs --filters Name=is-default,Values=true',
        `aws ec2 describe-subnets --filters Name=vpc-id,Values=${vpc} Name=default-for-az,Values=true`,
      ];
    case 'repo':
      return [
        `aws ecr create-repository --repository-name ${n} --image-scanning-configuration scanOnPush=true --tags Key=ecsctl:stack,Value=${n}`,
      ];
    case 'cluster':
      return [`aws ecs create-cluster --cluster-name ${n} --tags key=ecsctl:stack,value=${n}`];
    case 'iam':
      return [
        `aws iam create-role --role-name ${n}-ecs-instance --assume-role-policy-document file://ec2-trust.json`,
        `aws iam attach-role-policy --role-name ${n}-ecs-instance --policy-arn ${managedPolicyArn(state.region, 'service-role/AmazonEC2ContainerServiceforEC2Role')}`,
        `aws iam create-instance-profile --instance-profile-name ${n}-ecs-instance`,
        `aws iam add-role-to-instance-profile --instance-profile-name ${n}-ecs-instance --role-name ${n}-ecs-instance`,
      ];
    case 'ami':
      return ['aws ssm get-parameter --name /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id'];
    case 'lbSg':
      return [
        `aws ec2 create-security-group --group-name ${n}-lb-sg --description "load balancer" --vpc-id ${vpc}`,
        `aws ec2 authorize-security-group-ingress --group-id ${lbSg} --protocol tcp --port ${s.listenerPort} --cidr 0.0.0.0/0`,
      ];
    case 'instanceSg':
      return [
        `aws ec2 create-security-group --group-name ${n}-instance-sg --description "container instances" --vpc-id ${vpc}`,
        `aws ec2 authorize-security-group-ingress --group-id <instance-sg-id> --protocol tcp --port 32768-65535 --source-group ${lbSg}`,
      ];
    case 'loadBalancer':
      return [
        `aws elbv2 create-load-balancer --name ${n}-lb --subnets <subnet-a> <subnet-b> --security-groups ${lbSg}`,
      ];
    case 'targetGroup':
      return [
        `aws elbv2 create-target-group --name ${n}-tg --protocol HTTP --port ${s.containerPort} --vpc-id ${vpc} --health-check-path ${s.healthCheckPath} --health-check-interval-seconds 5 --healthy-threshold-count 2`,
        'aws elbv2 modify-target-group-attributes --target-group-arn <tg-arn> --attributes Key=deregistration_delay.timeout_seconds,Value=15',
      ];
    case 'listener':
      return [
        `aws elbv2 create-listener --load-balancer-arn <lb-arn> --protocol HTTP --port ${s.listenerPort} --default-actions Type=forward,TargetGroupArn=<tg-arn>`,
      ];
    case 'lbActive':
      return ['aws elbv2 wait load-balancer-available --load-balancer-arns <lb-arn>'];
    case 'instances':
      if ((s.capacity ?? state.capacity?.mode) === 'asg')
        return [
          `aws ec2 create-launch-template --launch-template-name ${n}-ecs --launch-template-data '{"ImageId":"<ami-id>","InstanceType":"${s.instanceType}","MetadataOptions":{"HttpTokens":"required","HttpPutResponseHopLimit":1},…}'`,
          `aws autoscaling create-auto-scaling-group --auto-scaling-group-name ${n}-ecs --launch-template LaunchTemplateName=${n}-ecs,Version=1 --min-size ${s.instanceCount} --desired-capacity ${s.instanceCount} --max-size ${s.maxInstances} --vpc-zone-identifier <subnets> --new-instances-protected-from-scale-in`,
          `aws ecs create-capacity-provider --name ${n}-capacity --auto-scaling-group-provider autoScalingGroupArn=<arn>,managedScaling={status=ENABLED,targetCapacity=${s.targetCapacity}},managedTerminationProtection=ENABLED,managedDraining=ENABLED`,
          `aws ecs put-cluster-capacity-providers --cluster ${n} --capacity-providers ${n}-capacity --default-capacity-provider-strategy capacityProvider=${n}-capacity,weight=1`,
          `aws ecs list-container-instances --cluster ${n}   (until ${s.instanceCount} have registered)`,
        ];
      return [
        `aws ec2 run-instances --image-id <ami-id> --count 1 --instance-type ${s.instanceType} --subnet-id <subnet> --security-group-ids <instance-sg-id> --iam-instance-profile Name=${n}-ecs-instance --metadata-options HttpTokens=required,HttpPutResponseHopLimit=1 --user-data file://userdata.sh   (once per subnet, ${s.instanceCount} in all)`,
        `aws ecs list-container-instances --cluster ${n}   (until ${s.instanceCount} have registered)`,
      ];
    case 'build':
      return s.image
        ? []
        : [
            `docker build -t ${repoUri}:<tag>${s.platform ? ` --platform ${s.platform}` : ''} -f ${s.dockerfile} ${s.context}`,
          ];
    case 'push':
      return s.image
        ? []
        : [
            `aws ecr get-login-password | docker login --username AWS --password-stdin ${repoUri.split('/')[0]}`,
            `docker push ${s.registry ? `${s.registry}/${n}` : repoUri}:<tag>`,
          ];
    case 'taskdef':
      return [
        ...(s.logs
          ? [
              `aws logs create-log-group --log-group-name /ecs/${n}`,
              `aws logs put-retention-policy --log-group-name /ecs/${n} --retention-in-days ${s.logRetentionDays}`,
            ]
          : []),
        ...(s.secret.length
          ? [
              `aws iam create-role --role-name ${n}-task-execution --assume-role-policy-document file://ecs-tasks-trust.json`,
              `aws iam attach-role-policy --role-name ${n}-task-execution --policy-arn arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
              `aws iam put-role-policy --role-name ${n}-task-execution --policy-name ecsctl-secrets --policy-document file://secrets-policy.json   (exactly the ${s.secret.length} secret ARN(s))`,
            ]
          : []),
        'aws ecs register-task-definition --cli-input-json file://taskdef.json   (bridge, hostPort 0)',
      ];
    case 'service':
      return [
        `aws ecs create-service --cluster ${n} --service-name ${n} --task-definition ${n}:<rev> --desired-count ${s.desiredCount} --launch-type EC2 --load-balancers targetGroupArn=<tg-arn>,containerName=${n},containerPort=${s.containerPort} --deployment-configuration "deploymentCircuitBreaker={enable=true,rollback=true}"`,
      ];
    case 'autoScaling':
      return [
        `aws application-autoscaling register-scalable-target --service-namespace ecs --resource-id service/${n}/${n} --scalable-dimension ecs:service:DesiredCount --min-capacity ${s.autoScaling?.min} --max-capacity ${s.autoScaling?.max}`,
        `aws application-autoscaling put-scaling-policy --policy-type TargetTrackingScaling --policy-name ${n}-cpu … (and ${n}-requests with ALBRequestCountPerTarget)`,
      ];
    case 'rollout':
      return [
        `aws ecs wait services-stable --cluster ${n} --services ${n}`,
        'aws elbv2 describe-target-health --target-group-arn <tg-arn>',
      ];
  }
}

export function downEquivalents(id: DownTaskId, state: State): string[] {
  const n = state.name;
  const cluster = state.cluster?.name ?? n;
  switch (id) {
    case 'alias':
    case 'httpsListener':
    case 'certificate':
    case 'validationRecord':
      return downDomainEquivalents(id, state);
    case 'lowerDelay':
      return [
        `aws elbv2 modify-target-group-attributes --target-group-arn ${state.targetGroup?.arn ?? '<tg-arn>'} --attributes Key=deregistration_delay.timeout_seconds,Value=0`,
      ];
    case 'service':
      return [
        `aws ecs update-service --cluster ${cluster} --service ${state.service?.name ?? n} --desired-count 0`,
        `aws ecs delete-service --cluster ${cluster} --service ${state.service?.name ?? n}`,
        `aws ecs wait services-inactive --cluster ${cluster} --services ${state.service?.name ?? n}`,
      ];
    case 'loadBalancer':
      // DeleteLoadBalancer takes the listeners with it.
      return [`aws elbv2 delete-load-balancer --load-balancer-arn ${state.loadBalancer?.arn ?? '<lb-arn>'}`];
    case 'loadBalancerGone':
      return [`aws elbv2 wait load-balancers-deleted --load-balancer-arns ${state.loadBalancer?.arn ?? '<lb-arn>'}`];
    case 'targetGroup':
      return [`aws elbv2 delete-target-group --target-group-arn ${state.targetGroup?.arn ?? '<tg-arn>'}`];
    case 'lbInterfaces':
      return [
        `aws ec2 describe-network-interfaces --filters Name=group-id,Values=${state.lbSecurityGroup?.id ?? '<lb-sg-id>'} 'Name=description,Values=ELB app/${n}-lb/*'   (until none)`,
      ];
    case 'containerInstances':
      return [`aws ecs deregister-container-instance --cluster ${cluster} --container-instance <arn> --force   (each)`];
    case 'instances':
      return [
        `aws ec2 terminate-instances --instance-ids ${(state.instances?.ids ?? ['<ids>']).join(' ')}`,
        'aws ec2 wait instance-terminated --instance-ids …',
      ];
    case 'instanceSg':
      return [`aws ec2 delete-security-group --group-id ${state.instanceSecurityGroup?.id ?? '<instance-sg-id>'}`];
    case 'iam':
      return [
        `aws iam remove-role-from-instance-profile …; aws iam delete-instance-profile …; aws iam detach-role-policy …; aws iam delete-role --role-name ${state.instanceRole?.roleName ?? `${n}-ecs-instance`}`,
      ];
    case 'capacity': {
      const g = state.capacity?.autoScalingGroup?.name ?? `${n}-ecs`;
      const p = state.capacity?.capacityProvider?.name ?? `${n}-capacity`;
      return [
        `aws ecs put-cluster-capacity-providers --cluster ${cluster} --capacity-providers [] --default-capacity-provider-strategy []`,
        `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${g} --min-size 0 --desired-capacity 0 --no-new-instances-protected-from-scale-in`,
        `aws autoscaling set-instance-protection --auto-scaling-group-name ${g} --instance-ids … --no-protected-from-scale-in`,
        `aws ecs delete-capacity-provider --capacity-provider ${p}`,
        `aws autoscaling delete-auto-scaling-group --auto-scaling-group-name ${g} --force-delete`,
        `aws ec2 delete-launch-template --launch-template-name ${state.capacity?.launchTemplate?.name ?? `${n}-ecs`}`,
      ];
    }
    case 'cluster':
      return [`aws ecs delete-cluster --cluster ${cluster}`];
    case 'autoScaling':
      return [
        `aws application-autoscaling delete-scaling-policy --policy-name ${n}-cpu …   (each of ecsctl's)`,
        `aws application-autoscaling deregister-scalable-target --service-namespace ecs --resource-id ${state.autoScaling?.resourceId ?? `service/${cluster}/${n}`} --scalable-dimension ecs:service:DesiredCount`,
      ];
    case 'executionRole':
      return [
        `aws iam delete-role-policy --role-name ${n}-task-execution --policy-name ecsctl-secrets; aws iam detach-role-policy …; aws iam delete-role --role-name ${n}-task-execution`,
      ];
    case 'lbSg':
      return [`aws ec2 delete-security-group --group-id ${state.lbSecurityGroup?.id ?? '<lb-sg-id>'}`];
    case 'taskdef':
      return [
        `aws ecs deregister-task-definition --task-definition ${state.taskDefinition?.family ?? n}:<rev>   (each)`,
        'aws ecs delete-task-definitions --task-definitions …',
      ];
    case 'logGroup':
      return [`aws logs delete-log-group --log-group-name ${state.logGroup?.name ?? `/ecs/${n}`}`];
    case 'repo':
      return [`aws ecr delete-repository --repository-name ${state.repository?.name ?? n} --force`];
  }
}

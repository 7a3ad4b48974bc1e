#!/usr/bin/env bash
# The walkthrough (../shared/seed/ecs-walkthrough.ko.md) done the way the document does it:
# one `aws` (CLI v1) process per step, IDs copied from one command's JSON into the next with jq,
# the service created, scaled to 0, deleted and re-created behind the load balancer, then the
# teardown. Run against a fresh moto (ENDPOINT) with the ECS-agent stand-in registering instances.
# The docker build/push part is left out on both sides of the benchmark (`ecsctl up --image`).
#
# Usage: ENDPOINT=http://127.0.0.1:PORT bash bench/walkthrough-awscli.sh [name]
set -euo pipefail
: "${ENDPOINT:?set ENDPOINT to the moto URL}"
NAME=${1:-walk}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-AKIAWALKTHROUGH00000} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-walkthrough}
aws() { command aws --endpoint-url "$ENDPOINT" --output json "$@"; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
a() { echo >>"$work/calls"; aws "$@"; }  # counted in a file: most calls run in a pipeline subshell
calls() { wc -l <"$work/calls" | tr -d " "; }

# --- docker 이미지 생성: the repository (build/push left out) ---
REPO_URI=$(a ecr create-repository --repository-name "$NAME" | jq -r '.repository | .repositoryUri')
a ecr describe-repositories >/dev/null

# --- 클러스터 및 컨테이너 인스턴스 생성 ---
a ecs create-cluster --cluster-name "$NAME" | jq -r '.cluster | .clusterArn' >/dev/null
a ecs list-clusters >/dev/null
VPC_ID=$(a ec2 describe-vpcs | jq -r '.Vpcs[] | select(.IsDefault) | .VpcId')
SG_ID=$(a ec2 create-security-group --group-name "$NAME-sg" --description description --vpc-id "$VPC_ID" | jq -r '.GroupId')
a ec2 authorize-security-group-ingress --group-id "$SG_ID" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
SG_DEFAULT=$(a ec2 describe-security-groups | jq -r --arg v "$VPC_ID" '.SecurityGroups[] | select(.GroupName=="default" and .VpcId==$v) | .GroupId')
SUBNETS=$(a ec2 describe-subnets | jq -r --arg v "$VPC_ID" '.Subnets[] | select(.VpcId==$v) | .SubnetId')
SUBNET_ID=$(echo "$SUBNETS" | head -n1)
# The role made in the console (IAM > 역할 만들기 > ec2 > AmazonEC2ContainerServiceforEC2Role)
cat >"$work/trust.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}
JSON
a iam create-role --role-name "$NAME-role" --assume-role-policy-document "file://$work/trust.json" >/dev/null
a iam attach-role-policy --role-name "$NAME-role" --policy-arn arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
a iam create-instance-profile --instance-profile-name "$NAME-role" >/dev/null
a iam add-role-to-instance-profile --instance-profile-name "$NAME-role" --role-name "$NAME-role"
AMI_ID=$(a ssm get-parameter --name /aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id | jq -r '.Parameter.Value')
printf '#!/bin/bash\necho ECS_CLUSTER=%s >> /etc/ecs/ecs.config\n' "$NAME" >"$work/userdata.sh"
INSTANCE_IDS=$(a ec2 run-instances --image-id "$AMI_ID" --count 2 --instance-type t2.small \
  --security-group-ids "$SG_ID" "$SG_DEFAULT" --subnet-id "$SUBNET_ID" --iam-instance-profile "Name=$NAME-role" \
  --associate-public-ip-address --user-data "file://$work/userdata.sh" | jq -r '.Instances[] | .InstanceId')
# "ec2 인스턴스가 생성이 완료되면 … 확인할수있다": look until both have joined the cluster.
for _ in $(seq 1 120); do
  n=$(a ecs describe-clusters --cluster "$NAME" | jq -r '.clusters[0].registeredContainerInstancesCount')
  [ "$n" -ge 2 ] && break; sleep 1
done

# --- 서비스와 태스크 디피니션 생성 ---
cat >"$work/td.json" <<JSON
{"family":"$NAME","networkMode":"bridge","containerDefinitions":[{"name":"$NAME","essential":true,
 "image":"$REPO_URI:v0.1","cpu":0,"memory":128,"portMappings":[{"hostPort":0,"containerPort":8080,"protocol":"tcp"}]}]}
JSON
a ecs register-task-definition --cli-input-json "file://$work/td.json" | jq -r '.taskDefinition | .taskDefinitionArn' >/dev/null
a ecs describe-task-definition --task-definition "$NAME" >/dev/null
printf '{"serviceName":"%s","taskDefinition":"%s:1","desiredCount":10}' "$NAME" "$NAME" >"$work/svc.json"
a ecs create-service --cluster="$NAME" --cli-input-json "file://$work/svc.json" >/dev/null
a ecs describe-clusters --cluster "$NAME" | jq '.clusters[] | .runningTasksCount' >/dev/null

# --- 로드밸런서를 이용한 서비스 ---
TG_ARN=$(a elbv2 create-target-group --name "$NAME-tg" --protocol HTTP --port 8080 --vpc-id "$VPC_ID" | jq -r '.TargetGroups[0] | .TargetGroupArn')
LB_ARN=$(a elbv2 create-load-balancer --name "$NAME-lb" --subnets $(echo "$SUBNETS" | head -n3) --security-groups "$SG_ID" "$SG_DEFAULT" | jq -r '.LoadBalancers[0] | .LoadBalancerArn')
a elbv2 create-listener --protocol HTTP --port 80 --load-balancer-arn="$LB_ARN" --default-actions "Type=forward,TargetGroupArn=$TG_ARN" >/dev/null
a elbv2 describe-load-balancers | jq -r '.LoadBalancers[0] | .LoadBalancerArn' >/dev/null
a elbv2 describe-target-groups | jq -r '.TargetGroups[] | .TargetGroupArn' >/dev/null
# "서비스 설정변경으로는 로드 밸런서를 연결시킬수 없음": scale to 0, delete, re-create with the LB.
a ecs update-service --cluster="$NAME" --service="$NAME" --desired-count=0 >/dev/null
a ecs delete-service --cluster="$NAME" --service="$NAME" >/dev/null
a ecs wait services-inactive --cluster "$NAME" --services "$NAME"
ROLE_ARN=$(a iam list-roles | jq -r '.Roles[] | select(.RoleName=="AWSServiceRoleForECS") | .Arn')
jq -n --arg s "$NAME" --arg t "$TG_ARN" '{serviceName:$s, taskDefinition:($s+":1"), desiredCount:10,
  loadBalancers:[{targetGroupArn:$t, containerName:$s, containerPort:8080}]}' >"$work/svc2.json"
a ecs create-service --cluster="$NAME" --cli-input-json "file://$work/svc2.json" >/dev/null
a elbv2 wait load-balancer-available --load-balancer-arns "$LB_ARN"
DNS=$(a elbv2 describe-load-balancers --load-balancer-arns "$LB_ARN" | jq -r '.LoadBalancers[0].DNSName')
echo "walkthrough up done: http://$DNS (role ${ROLE_ARN:-none}, $(calls) aws invocations)" >&2

# --- teardown, in dependency order ---
a ecs update-service --cluster="$NAME" --service="$NAME" --desired-count=0 >/dev/null
a ecs delete-service --cluster="$NAME" --service="$NAME" >/dev/null
a ecs wait services-inactive --cluster "$NAME" --services "$NAME"
a elbv2 delete-load-balancer --load-balancer-arn "$LB_ARN"
a elbv2 wait load-balancers-deleted --load-balancer-arns "$LB_ARN"
a elbv2 delete-target-group --target-group-arn "$TG_ARN"
for ci in $(a ecs list-container-instances --cluster "$NAME" | jq -r '.containerInstanceArns[]'); do
  a ecs deregister-container-instance --cluster "$NAME" --container-instance "$ci" --force >/dev/null
done
a ec2 terminate-instances --instance-ids $INSTANCE_IDS >/dev/null
a ec2 wait instance-terminated --instance-ids $INSTANCE_IDS
a ecs delete-cluster --cluster "$NAME" >/dev/null
a ec2 delete-security-group --group-id "$SG_ID"
a iam remove-role-from-instance-profile --instance-profile-name "$NAME-role" --role-name "$NAME-role"
a iam delete-instance-profile --instance-profile-name "$NAME-role"
a iam detach-role-policy --role-name "$NAME-role" --policy-arn arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
a iam delete-role --role-name "$NAME-role"
a ecs deregister-task-definition --task-definition "$NAME:1" >/dev/null
a ecr delete-repository --repository-name "$NAME" --force >/dev/null
echo "walkthrough done: $(calls) aws invocations" >&2
calls

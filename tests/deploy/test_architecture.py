"""The templates' resources and their wiring: what cfn-lint cannot tell (a web ACL that exists
but guards nothing, a replication rule with no role, a pipeline that tests something else)."""

import json
import re
import subprocess
from functools import cache

import pytest
import yaml

from .conftest import PROJECT_DIR

TEMPLATE_DIR = PROJECT_DIR / "deploy" / "cloudformation"
ENVIRONMENT_DIR = PROJECT_DIR / "deploy" / "environments"


@cache
def template(name: str) -> dict:
    from cfnlint.decode import decode

    decoded, errors = decode(str(TEMPLATE_DIR / name))
    assert not errors, errors
    return decoded


def resources(name: str, kind: str) -> dict[str, dict]:
    return {key: value for key, value in template(name)["Resources"].items() if value["Type"] == kind}


def resource(name: str, logical_id: str) -> dict:
    return template(name)["Resources"][logical_id]


def nested(parent: str, logical_id: str) -> dict:
    stack = resource(parent, logical_id)
    assert stack["Type"] == "AWS::CloudFormation::Stack"
    return stack["Properties"]


def option(settings: list, namespace: str, name: str):
    found = [
        item["Value"]
        for item in settings
        if item.get("Namespace") == namespace and item.get("OptionName") == name  # not the Fn::If ones
    ]
    assert len(found) == 1, (namespace, name)
    return found[0]


# --- 1. Edge protection -------------------------------------------------------------------


def _rules() -> dict[str, dict]:
    acl = resource("waf.yaml", "WebAcl")["Properties"]
    return {rule["Name"]: rule for rule in acl["Rules"]}


def test_it_guards_with_the_managed_rule_groups_and_a_sign_in_rate_limit():
    rules = _rules()
    groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in rules.values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert groups >= {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    rate = rules["auth-rate"]["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    scope = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert (scope["FieldToMatch"], scope["PositionalConstraint"], scope["SearchString"]) == (
        {"UriPath": {}},
        "STARTS_WITH",
        "/api/v1/auth/",
    )
    assert "Block" in rules["auth-rate"]["Action"]
    priorities = [rule["Priority"] for rule in rules.values()]
    assert len(set(priorities)) == len(priorities)


def test_it_limits_sizes_without_blocking_bodies_the_app_accepts():
    rules = _rules()
    limits = json.dumps(rules["size-limits"]["Statement"])
    assert '"UriPath": {}' in limits and '"QueryString": {}' in limits
    assert '"OversizeHandling": "MATCH"' in limits and "/api/v1/auth/" in limits
    # The common rule set's 8 KB body limit would refuse sync batches the app takes (1 MB).
    overrides = rules["common"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}} in overrides


def test_it_associates_the_regional_web_acl_with_the_load_balancer():
    waf = nested("main.yaml", "Waf")
    assert waf["TemplateURL"] == "waf.yaml" and waf["Parameters"]["Scope"] == "REGIONAL"
    assert nested("main.yaml", "App")["Parameters"]["WebAclArn"] == {"Fn::GetAtt": ["Waf", "Outputs.WebAclArn"]}
    web = resource("app.yaml", "WebEnvironment")["Properties"]["OptionSettings"]
    assert option(web, "aws:elasticbeanstalk:customoption", "WebAclArn") == {"Ref": "WebAclArn"}
    # The load balancer exists only inside Elastic Beanstalk's stack: the web bundle adds the
    # association there.
    extension = yaml.safe_load((PROJECT_DIR / "deploy/eb/web/.ebextensions/20_waf.config").read_text())
    association = extension["Resources"]["WebAclAssociation"]
    assert association["Type"] == "AWS::WAFv2::WebACLAssociation"
    assert association["Properties"]["ResourceArn"] == {"Ref": "AWSEBV2LoadBalancer"}
    assert association["Properties"]["WebACLArn"]["Fn::GetOptionSetting"]["OptionName"] == "WebAclArn"


def test_it_puts_the_cloudfront_web_acl_and_certificate_in_us_east_1():
    edge = template("edge.yaml")
    assertion = edge["Rules"]["OnlyInUsEast1"]["Assertions"][0]["Assert"]
    assert assertion == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    assert nested("edge.yaml", "MediaWaf")["Parameters"]["Scope"] == "CLOUDFRONT"
    assert nested("edge.yaml", "MediaCertificate")["TemplateURL"] == "certificate.yaml"
    storage = nested("main.yaml", "Storage")["Parameters"]
    assert storage["MediaWebAclArn"] == {"Ref": "MediaWebAclArn"}
    assert storage["MediaCertificateArn"] == {"Ref": "MediaCertificateArn"}
    distribution = resource("storage.yaml", "MediaDistribution")["Properties"]["DistributionConfig"]
    assert distribution["WebACLId"] == {
        "Fn::If": ["HasMediaWebAcl", {"Ref": "MediaWebAclArn"}, {"Ref": "AWS::NoValue"}]
    }
    certificate = distribution["ViewerCertificate"]["Fn::If"][1]
    assert certificate["AcmCertificateArn"] == {"Ref": "MediaCertificateArn"}


def test_it_validates_certificates_by_dns():
    certificate = resource("certificate.yaml", "Certificate")["Properties"]
    assert certificate["ValidationMethod"] == "DNS"
    # The API's certificate: requested by the stack unless one is given.
    app_certificate = nested("main.yaml", "App")["Parameters"]["CertificateArn"]
    assert app_certificate["Fn::If"][0] == "RequestCertificate"
    assert app_certificate["Fn::If"][1] == {"Fn::GetAtt": ["Certificate", "Outputs.CertificateArn"]}


# --- 2. Environments ------------------------------------------------------------------------


def _environment(name: str) -> dict:
    return json.loads((ENVIRONMENT_DIR / f"{name}.json").read_text())["Parameters"]


def test_it_deploys_staging_and_production_from_the_same_template_with_parameters_only():
    staging, production = _environment("staging"), _environment("production")
    parameters = template("main.yaml")["Parameters"]
    required = {name for name, spec in parameters.items() if "Default" not in spec}
    from_the_build = {"WebBundleKey", "WorkerBundleKey"}
    for values in (staging, production):
        assert set(values) <= set(parameters)
        assert required - from_the_build <= set(values)
        assert all(isinstance(value, str) for value in values.values())
    assert set(staging) == set(production)
    assert staging["EnvironmentName"] != production["EnvironmentName"]
    for name in ("DomainName", "AppWebOrigin", "EmailDomain", "MediaDomainName", "VpcId"):
        assert staging[name] != production[name], name


NAME_PROPERTIES = {
    "BucketName",
    "DBInstanceIdentifier",
    "QueueName",
    "TopicName",
    "UserPoolName",
    "ApplicationName",
    "EnvironmentName",
    "BackupVaultName",
    "DashboardName",
    "LogGroupName",
    "AliasName",
    "RotationLambdaName",
}


@pytest.mark.parametrize(
    "name", ["storage.yaml", "data.yaml", "messaging.yaml", "identity.yaml", "app.yaml", "waf.yaml", "monitoring.yaml"]
)
def test_it_names_every_resource_after_its_environment(name):
    # Staging's bucket, database, secrets and queues are never production's.
    def names(node, key=None):
        if isinstance(node, dict):
            for child_key, value in node.items():
                if child_key in NAME_PROPERTIES or (child_key == "Name" and key == "Properties"):
                    yield child_key, value
                yield from names(value, child_key)
        elif isinstance(node, list):
            for value in node:
                yield from names(value, key)

    own = set(template(name)["Resources"])
    for resource_id, spec in template(name)["Resources"].items():
        for prop, value in names(spec.get("Properties", {}), "Properties"):
            if isinstance(value, dict) and value.get("Ref") in own:
                continue  # another resource of this stack, itself named after the environment
            assert "EnvironmentName" in json.dumps(value), (resource_id, prop, value)


# --- 3. Pipeline ------------------------------------------------------------------------------


def _stages() -> dict[str, dict]:
    pipeline = resource("pipeline.yaml", "Pipeline")["Properties"]
    return {stage["Name"]: stage for stage in pipeline["Stages"]}


def test_it_deploys_staging_then_production_after_a_manual_approval():
    stages = _stages()
    assert list(stages) == ["Source", "Build", "Staging", "Approval", "Production"]
    approval = stages["Approval"]["Actions"][0]["ActionTypeId"]
    assert (approval["Category"], approval["Provider"]) == ("Approval", "Manual")
    for stage, environment in (("Staging", "staging"), ("Production", "production")):
        deploy = stages[stage]["Actions"][0]["Configuration"]
        assert deploy["TemplatePath"] == "BuildOutput::packaged.yaml"
        assert deploy["TemplateConfiguration"] == f"BuildOutput::deploy/environments/{environment}.json"
        assert json.loads(deploy["ParameterOverrides"]) == {
            "WebBundleKey": {"Fn::GetParam": ["BuildOutput", "build.json", "WebBundleKey"]},
            "WorkerBundleKey": {"Fn::GetParam": ["BuildOutput", "build.json", "WorkerBundleKey"]},
        }
    # A failed production deployment returns to the last good one; V2 also allows rollback-stage.
    assert stages["Production"]["OnFailure"] == {"Result": "ROLLBACK"}
    assert resource("pipeline.yaml", "Pipeline")["Properties"]["PipelineType"] == "V2"


def test_it_tests_with_the_readme_command_in_the_build():
    project = resource("pipeline.yaml", "BuildProject")["Properties"]
    assert project["Source"]["BuildSpec"] == "buildspec.yml"
    buildspec = yaml.safe_load((PROJECT_DIR / "buildspec.yml").read_text())
    install = buildspec["phases"]["install"]["commands"]
    build = buildspec["phases"]["build"]["commands"]
    assert any("postgresql" in command and "redis-server" in command for command in install)
    assert build[0] == "bash .ci/run"
    ci_run = (PROJECT_DIR / ".ci" / "run").read_text()
    readme = (PROJECT_DIR / "README.md").read_text()
    assert re.search(r"^make test PYTEST_ARGS=", ci_run, flags=re.MULTILINE)
    assert "make test" in readme
    assert any(command.startswith(".venv/bin/cfn-lint") for command in build)
    assert any("deploy/build_bundle.py" in command for command in build)
    assert any("cloudformation package" in command for command in build)
    assert set(buildspec["artifacts"]["files"]) == {"packaged.yaml", "build.json", "deploy/environments/*.json"}


def test_it_writes_the_bundle_keys_the_deploy_stages_read(tmp_path):
    step = next(
        command
        for command in yaml.safe_load((PROJECT_DIR / "buildspec.yml").read_text())["phases"]["build"]["commands"]
        if "build.json" in command
    )
    subprocess.run(["bash", "-c", f"VERSION=2026.12.02-abc; {step}"], cwd=tmp_path, check=True)
    written = json.loads((tmp_path / "build.json").read_text())
    assert written["WebBundleKey"] == "bundles/padmakara-web-2026.12.02-abc.zip"
    assert written["WorkerBundleKey"] == "bundles/padmakara-worker-2026.12.02-abc.zip"


# --- 4. Tracing and metrics -------------------------------------------------------------------


def test_it_draws_the_dashboard_the_operators_need():
    body = resource("monitoring.yaml", "Dashboard")["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[A-Za-z:]+\}", "x", body))
    text = json.dumps(dashboard)
    for metric in (
        "ApplicationRequestsTotal",
        "ApplicationLatencyP50",
        "ApplicationLatencyP99",
        "ApplicationRequests5xx",
        "ApproximateAgeOfOldestMessage",
        "TaskFailures",
        "DatabaseConnections",
        "CacheHits",
    ):
        assert metric in text, metric
    # Elastic Beanstalk publishes only the metrics its health configuration names.
    settings = resource("app.yaml", "SharedConfiguration")["Properties"]["OptionSettings"]
    health = json.loads(option(settings, "aws:elasticbeanstalk:healthreporting:system", "ConfigDocument"))
    published = set(health["CloudWatchMetrics"]["Environment"])
    used = set(re.findall(r'"(Application\w+|EnvironmentHealth)"', text))
    assert used <= published


@pytest.mark.parametrize("name", ["app.yaml", "monitoring.yaml"])
def test_it_sends_every_alarm_to_the_alarm_topic(name):
    alarms = resources(name, "AWS::CloudWatch::Alarm")
    assert alarms
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
    assert nested("main.yaml", "Monitoring")["Parameters"]["AlarmTopicArn"] == {
        "Fn::GetAtt": ["Messaging", "Outputs.AlarmTopicArn"]
    }


def test_it_counts_worker_failures_from_the_json_logs():
    metric = resource("monitoring.yaml", "TaskFailureMetricFilter")["Properties"]
    assert "worker.stdout.log" in json.dumps(metric["LogGroupName"])
    assert metric["FilterPattern"] == '{ ($.logger = "celery.app.trace") && ($.level = "ERROR") }'


def test_it_watches_costs_for_anomalies():
    monitor = resource("cost.yaml", "ServiceMonitor")["Properties"]
    assert (monitor["MonitorType"], monitor["MonitorDimension"]) == ("DIMENSIONAL", "SERVICE")
    subscription = resource("cost.yaml", "AnomalySubscription")["Properties"]
    assert subscription["Subscribers"] == [{"Type": "SNS", "Address": {"Ref": "CostTopic"}}]
    policy = resource("cost.yaml", "CostTopicPolicy")["Properties"]["PolicyDocument"]["Statement"][0]
    assert policy["Principal"] == {"Service": "costalerts.amazonaws.com"}


def test_it_lets_the_instances_send_traces():
    for role in ("WebInstanceRole", "WorkerInstanceRole"):
        managed = json.dumps(resource("app.yaml", role)["Properties"]["ManagedPolicyArns"])
        assert "AWSXRayDaemonWriteAccess" in managed
    collector = yaml.safe_load((PROJECT_DIR / "deploy/eb/common/.platform/otel/collector.yaml").read_text())
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "127.0.0.1:4318"
    assert collector["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]


# --- 5. Data ------------------------------------------------------------------------------------


def test_it_replicates_the_media_bucket_with_its_role_and_keys():
    bucket = resource("storage.yaml", "MediaBucket")["Properties"]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["MediaKey", "Arn"]}}
    replication = bucket["ReplicationConfiguration"]["Fn::If"][1]
    assert replication["Role"] == {"Fn::GetAtt": ["ReplicationRole", "Arn"]}
    rule = replication["Rules"][0]
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert rule["Destination"]["Bucket"] == {"Ref": "ReplicaBucketArn"}
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": {"Ref": "ReplicaKmsKeyArn"}}
    role = resource("storage.yaml", "ReplicationRole")["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    actions = {
        action
        for statement in role["Policies"][0]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert {"s3:ReplicateObject", "s3:GetObjectVersionForReplication", "kms:Decrypt", "kms:Encrypt"} <= actions
    # The replica's bucket and key live in the other region's stack.
    assert template("replica.yaml")["Rules"]["NotThePrimaryRegion"]
    replica = resource("replica.yaml", "ReplicaBucket")["Properties"]
    assert replica["VersioningConfiguration"] == {"Status": "Enabled"}
    # The app writes with the media key and may use it.
    settings = resource("app.yaml", "SharedConfiguration")["Properties"]["OptionSettings"]
    assert option(settings, "aws:elasticbeanstalk:application:environment", "AWS_S3_SSE_KMS_KEY_ID") == {
        "Ref": "MediaKmsKeyArn"
    }


def test_it_copies_database_backups_to_the_other_region():
    database = resource("data.yaml", "Database")["Properties"]
    assert database["BackupRetentionPeriod"] == {"Ref": "DbBackupRetentionDays"}
    rule = resource("data.yaml", "BackupPlan")["Properties"]["BackupPlan"]["BackupPlanRule"][0]
    copy = rule["CopyActions"]["Fn::If"][1][0]
    assert copy["DestinationBackupVaultArn"] == {"Ref": "ReplicaBackupVaultArn"}
    selection = resource("data.yaml", "BackupSelection")["Properties"]["BackupSelection"]
    assert "${Database}" in selection["Resources"][0]["Fn::Sub"]
    assert nested("main.yaml", "Data")["Parameters"]["ReplicaBackupVaultArn"] == {"Ref": "ReplicaBackupVaultArn"}


def test_it_rotates_every_database_secret_and_connects_the_app_as_its_runtime_role():
    schedules = resources("data.yaml", "AWS::SecretsManager::RotationSchedule")
    rotated = {schedule["Properties"]["SecretId"]["Ref"] for schedule in schedules.values()}
    assert rotated == {"DatabaseSecret", "DatabaseOwnerSecret", "DatabaseAppSecret"}
    for schedule in schedules.values():
        assert schedule["Properties"]["HostedRotationLambda"]["RotationType"] == "PostgreSQLSingleUser"
    app = nested("main.yaml", "App")["Parameters"]
    assert app["DatabaseSecretArn"] == {"Fn::GetAtt": ["Data", "Outputs.DatabaseAppSecretArn"]}
    settings = resource("app.yaml", "SharedConfiguration")["Properties"]["OptionSettings"]
    assert option(settings, "aws:elasticbeanstalk:application:environment", "DATABASE_SECRET_ID") == {
        "Ref": "DatabaseSecretArn"
    }
    # Only the web environment (its leader migrates) may read the owner's and master's secrets.
    web_env = resource("app.yaml", "WebEnvironment")["Properties"]["OptionSettings"]
    assert option(web_env, "aws:elasticbeanstalk:application:environment", "DATABASE_OWNER_SECRET_ID")
    worker_policy = json.dumps(resource("app.yaml", "WorkerInstanceRole")["Properties"]["Policies"])
    assert "DatabaseOwnerSecretArn" not in worker_policy and "DatabaseMasterSecretArn" not in worker_policy

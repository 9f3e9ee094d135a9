"""A Python CDK app that uses the library through its jsii bindings, synthesizes, and checks the template.

Run by scripts/package-check.sh in a fresh virtual environment with the built wheel installed.
"""
import sys

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2, aws_iam as iam, aws_rds as rds
from aws_cdk.assertions import Template

from cdk_protected_secrets import MonitoringOptions, ProtectedSecret, RotatedDatabase

app = cdk.App()
stack = cdk.Stack(app, "PythonExample")
service = iam.Role(stack, "ServiceRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))

api_key = ProtectedSecret(
    stack, "ApiKey",
    secret_name="python/api-key",
    readers=[service],
    monitoring=MonitoringOptions(alert_emails=["oncall@example.com"]),
)
api_key.grant_read_via_parameter_store(service)

vpc = ec2.Vpc(
    stack, "Vpc", max_azs=2, nat_gateways=0,
    subnet_configuration=[ec2.SubnetConfiguration(name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
)
for name in ("Orders", "Billing"):
    RotatedDatabase(
        stack, f"{name}Db",
        vpc=vpc,
        engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_6),
        secret_readers=[service],
    )

template = Template.from_stack(stack)
expected = {
    # The three secrets and the shared rotation function's proof key.
    "AWS::SecretsManager::Secret": 4,
    "AWS::SecretsManager::RotationSchedule": 2,
    "AWS::RDS::DBInstance": 2,
    # One shared rotation function for both databases.
    "AWS::Lambda::Function": 1,
    "AWS::SNS::Topic": 1,
    # The stack's monitoring: seven rules for all three secrets (changes, rotations, failed rotations, deprecated
    # access, changes to the secrets' own keys, changes to the rotation function and functions given its role), and
    # three on calls that switch the monitoring off (the second lists the stack's rules by name, and the third the
    # rest: each of them is listed by another).
    "AWS::Events::Rule": 10,
}
for resource_type, count in expected.items():
    template.resource_count_is(resource_type, count)
template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
assert api_key.parameter_store_reference == "/aws/reference/secretsmanager/python/api-key", api_key.parameter_store_reference

# Bad props fail at synth in Python too, naming the prop (jsii turns the JavaScript error into a Python exception).
try:
    bad_stack = cdk.Stack(cdk.App(), "Bad")
    ProtectedSecret(bad_stack, "Bad", arn_parameter_name="no-leading-slash", deny_others=False)
except Exception as error:  # noqa: BLE001 - jsii raises a plain RuntimeError
    assert "arnParameterName" in str(error), error
else:
    raise AssertionError("a parameter name without its leading slash was accepted")

app.synth()
print("python app: synthesized PythonExample with", ", ".join(f"{n} {t}" for t, n in expected.items()))
sys.exit(0)

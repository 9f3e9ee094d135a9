package check;

import io.github.example.cdk.protectedsecrets.ProtectedSecret;
import io.github.example.cdk.protectedsecrets.RotatedDatabase;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.rds.DatabaseInstanceEngine;
import software.amazon.awscdk.services.rds.PostgresEngineVersion;
import software.amazon.awscdk.services.rds.PostgresInstanceEngineProps;

/**
 * The README's quick start and one rotated database, written in Java against the jar jsii-pacmak built; any failed
 * assertion ends the run. Run by scripts/package-check.sh.
 */
public final class BindingCheck {
  public static void main(final String[] args) {
    App app = new App();
    // Environment-agnostic, as the example app: no lookups, availability zones chosen at deployment.
    Stack stack = new Stack(app, "JavaBindingCheck");

    Role service = Role.Builder.create(stack, "ServiceRole").assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com")).build();
    ProtectedSecret apiKey = ProtectedSecret.Builder.create(stack, "PaymentsApiKey")
        .secretName("java-check/payments/api-key")
        .readers(List.of(service))
        .arnParameterName("/java-check/payments/api-key-arn")
        .build();
    apiKey.grantReadViaParameterStore(service);

    Vpc vpc = Vpc.Builder.create(stack, "Vpc").maxAzs(2).natGateways(0)
        .subnetConfiguration(List.of(SubnetConfiguration.builder().name("data").subnetType(SubnetType.PRIVATE_ISOLATED).cidrMask(24).build()))
        .build();
    RotatedDatabase.Builder.create(stack, "OrdersDb")
        .vpc(vpc)
        .engine(DatabaseInstanceEngine.postgres(PostgresInstanceEngineProps.builder().version(PostgresEngineVersion.VER_17_6).build()))
        .databaseName("orders")
        .secretReaders(List.of(service))
        .build();

    Template template = Template.fromStack(stack);
    Map<String, Integer> expected = Map.of(
        // The two secrets and the rotation function's proof key.
        "AWS::SecretsManager::Secret", 3,
        // The two secrets' keys, the alert topic's and the rotation log's.
        "AWS::KMS::Key", 4,
        // The stack's monitoring: seven rules for both secrets (changes, rotations, failed rotations, deprecated
        // access, changes to the secrets' own keys, changes to the rotation function and functions given its role),
        // and three on calls that switch the monitoring off (each of them listed by another).
        "AWS::Events::Rule", 10,
        "AWS::RDS::DBInstance", 1,
        "AWS::SecretsManager::RotationSchedule", 1,
        "AWS::Lambda::Function", 1,
        "AWS::SSM::Parameter", 1);
    expected.forEach(template::resourceCountIs);
    System.out.println("java synth check: OK, " + expected);
  }
}

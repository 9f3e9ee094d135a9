import { App, Stack, CfnElement, CfnResource, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { RotatedDatabase } from '../src';
const n = Number(process.argv[2] ?? 25);
const app = new App({ outdir: '/tmp/count-out', context: { 'availability-zones:account=111111111111:region=eu-west-1': ['eu-west-1a', 'eu-west-1b'] } });
const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
for (let i = 0; i < n; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine });
app.synth();
const by = new Map<string, [number, number]>();
for (let rep = 0; rep < 3; rep++) for (const c of stack.node.findAll()) {
  if (!CfnElement.isCfnElement(c)) continue;
  const t0 = process.cpuUsage();
  stack.resolve((c as any)._toCloudFormation());
  const d = process.cpuUsage(t0); const ms = (d.user + d.system) / 1000;
  const k = c instanceof CfnResource ? c.cfnResourceType : c.constructor.name;
  const e = by.get(k) ?? [0, 0]; e[0] += ms / 3; e[1] += 1 / 3; by.set(k, e);
}
for (const [k, [ms, cnt]] of [...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20)) console.log(ms.toFixed(1).padStart(7), String(Math.round(cnt)).padStart(4), k);

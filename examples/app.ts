// The README's main command (`npx projen synth:example`) synthesizes this app into cdk.out/.
import { App } from 'aws-cdk-lib';
import { buildExampleApp } from './example-app';

const app = new App();
buildExampleApp(app);
app.synth();

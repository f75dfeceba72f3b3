import * as fs from 'node:fs';
import * as path from 'node:path';
import { aws_ecr_assets as ecrAssets, aws_ecs as ecs } from 'aws-cdk-lib';
import { ConfigurationError } from '../errors';
import { bundlePath } from '../bundles';

/** The runner image from the bundle folder (assets/runner), built by cdk-assets at deploy time, not at synth. */
export function defaultImage(arch: ecs.CpuArchitecture): ecs.ContainerImage {
  const dir = bundlePath('runner');
  if (!fs.existsSync(path.join(dir, 'Dockerfile')) || !fs.existsSync(path.join(dir, 'runner.js'))) {
    throw new ConfigurationError('BackupRunner', [`runner image bundle ${dir}: missing its Dockerfile and runner.js, run npm run bundle`]);
  }
  return ecs.ContainerImage.fromAsset(dir, {
    platform: arch === ecs.CpuArchitecture.X86_64 ? ecrAssets.Platform.LINUX_AMD64 : ecrAssets.Platform.LINUX_ARM64,
  });
}

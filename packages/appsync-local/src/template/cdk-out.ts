/**
 * A CDK cloud assembly (cdk.out): manifest.json names each stack's template and its asset
 * manifest, which maps every file asset's S3 object key to its folder or file in the assembly.
 * The template reader resolves a resolver's CodeS3Location, a schema's DefinitionS3Location and a
 * Lambda function's Code.S3Key through that map, so it runs the very files `cdk deploy` uploads.
 * Format: "Cloud assembly" of aws-cdk (cloud-assembly-schema), https://github.com/aws/aws-cdk/tree/main/packages/aws-cdk-lib/cloud-assembly-schema
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TemplateFiles } from './read';

interface Artifact {
  type: string;
  properties?: { templateFile?: string; file?: string; stackName?: string };
  dependencies?: string[];
  displayName?: string;
}

interface AssetManifest {
  files?: Record<string, { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }>;
}

export interface CdkStack {
  /** the stack's name (its artifact id) */
  name: string;
  templateFile: string;
  files: TemplateFiles;
}

/** The stack of a cloud assembly: the one named, or the only one with an AppSync API. */
export function readCdkOut(dir: string, stackName?: string): CdkStack {
  const root = resolve(dir);
  const manifestFile = join(root, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${dir} is not a CDK cloud assembly (no manifest.json): run cdk synth first`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { artifacts?: Record<string, Artifact> };
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const stacks = artifacts.filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const named = stackName ? stacks.filter(([id, a]) => id === stackName || a.properties?.stackName === stackName || a.displayName === stackName) : stacks;
  const withApi = named.filter(([, a]) => readFileSync(join(root, a.properties!.templateFile!), 'utf8').includes('AWS::AppSync::GraphQLApi'));
  const candidates = stackName ? named : withApi;
  if (candidates.length !== 1) {
    const names = stacks.map(([id]) => id).join(', ') || 'none';
    throw new Error(stackName ? `${dir} has no stack ${stackName} (stacks: ${names})` : `${dir} has ${withApi.length} stacks with an AppSync API (stacks: ${names}): choose one with --stack`);
  }
  const [id, artifact] = candidates[0];
  const assets: Record<string, string> = {};
  for (const dependency of artifact.dependencies ?? []) {
    const a = manifest.artifacts?.[dependency];
    if (a?.type !== 'cdk:asset-manifest' || !a.properties?.file) continue;
    const assetManifest = JSON.parse(readFileSync(join(root, a.properties.file), 'utf8')) as AssetManifest;
    for (const file of Object.values(assetManifest.files ?? {})) {
      for (const destination of Object.values(file.destinations)) assets[destination.objectKey] = join(root, file.source.path);
    }
  }
  return { name: artifact.properties?.stackName ?? id, templateFile: join(root, artifact.properties!.templateFile!), files: { baseDir: root, assets } };
}

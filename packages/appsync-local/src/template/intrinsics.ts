/**
 * A CloudFormation template as data: parsed from JSON or YAML (with the short-form tags !Ref,
 * !GetAtt, !Sub... turned into their long forms), and its intrinsic functions resolved on demand,
 * as far as the resources this package runs need them. Resolution is lazy: a value nobody reads (a
 * log group's retention, an IAM condition) is never resolved, so what the package does not run
 * cannot stop it from starting.
 *
 * Intrinsics: "Intrinsic function reference", AWS CloudFormation User Guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
import { parse as parseYaml, type ScalarTag, type CollectionTag } from 'yaml';
import { YAMLMap, YAMLSeq } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Condition?: string;
  [key: string]: Json | undefined;
}

export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: Json }>;
  Mappings?: Record<string, Record<string, Record<string, Json>>>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, CfnResource>;
  Transform?: Json;
}

/** The functions that have a YAML short form (!Name), and the long form each becomes. */
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'ToJsonString', 'Length'];

function shortFormTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [];
  const add = (tag: string, key: string, transform: (value: unknown) => unknown = (v) => v) => {
    tags.push({ tag: `!${tag}`, resolve: (value: string) => ({ [key]: transform(value) }) } as ScalarTag);
    tags.push({ tag: `!${tag}`, collection: 'seq', nodeClass: YAMLSeq, resolve: (seq: YAMLSeq) => ({ [key]: transform(seq.toJSON()) }) } as unknown as CollectionTag);
    tags.push({ tag: `!${tag}`, collection: 'map', nodeClass: YAMLMap, resolve: (map: YAMLMap) => ({ [key]: transform(map.toJSON()) }) } as unknown as CollectionTag);
  };
  add('Ref', 'Ref');
  add('Condition', 'Condition');
  // !GetAtt Resource.Attribute is a string; the long form is [Resource, Attribute]
  add('GetAtt', 'Fn::GetAtt', (v) => (typeof v === 'string' ? [v.slice(0, v.indexOf('.')), v.slice(v.indexOf('.') + 1)] : v));
  for (const name of FUNCTIONS) add(name, `Fn::${name}`);
  return tags;
}

/** Parses a template file's text: JSON when it is JSON, YAML (CloudFormation's short forms included) otherwise. */
export function parseTemplate(text: string, file: string): CfnTemplate {
  let parsed: unknown;
  const trimmed = text.trimStart();
  try {
    parsed = trimmed.startsWith('{') ? JSON.parse(text) : parseYaml(text, { customTags: shortFormTags(), version: '1.1', merge: false });
  } catch (err) {
    throw new Error(`${file}: not a CloudFormation template in JSON or YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (!parsed || typeof parsed !== 'object' || !('Resources' in parsed) || typeof parsed.Resources !== 'object') {
    throw new Error(`${file}: not a CloudFormation template (no Resources)`);
  }
  return parsed as CfnTemplate;
}

/** What each resource's Ref and Fn::GetAtt give locally; set by the reader for the types it runs. */
export interface PhysicalIds {
  ref(logicalId: string, resource: CfnResource): string;
  getAtt(logicalId: string, resource: CfnResource, attribute: string): string;
}

/** Stands for AWS::NoValue: the property it is the value of is removed. */
const NO_VALUE = Symbol('AWS::NoValue');

export class Intrinsics {
  readonly pseudo: Record<string, string>;

  constructor(
    readonly template: CfnTemplate,
    readonly ids: PhysicalIds,
    options: { region: string; accountId: string; stackName: string; parameters?: Record<string, string> },
  ) {
    this.pseudo = {
      'AWS::Region': options.region,
      'AWS::AccountId': options.accountId,
      'AWS::StackName': options.stackName,
      'AWS::StackId': `arn:aws:cloudformation:${options.region}:${options.accountId}:stack/${options.stackName}/local`,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    this.parameters = {};
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      const given = options.parameters?.[name];
      if (given !== undefined) this.parameters[name] = given;
      else if (p.Default !== undefined && !String(p.Type ?? '').startsWith('AWS::SSM::')) this.parameters[name] = p.Default;
    }
  }

  private readonly parameters: Record<string, Json>;

  /** Whether a resource exists in this deployment (its Condition, when it has one, is true). */
  exists(resource: CfnResource): boolean {
    return resource.Condition === undefined || this.condition(resource.Condition);
  }

  condition(name: string): boolean {
    const expression = this.template.Conditions?.[name];
    if (expression === undefined) throw new Error(`condition ${name} is not defined in Conditions`);
    return Boolean(this.resolve(expression, `Conditions.${name}`));
  }

  /** The value with every intrinsic function resolved; `where` names it in errors. */
  resolve(value: Json | undefined, where: string): Json {
    const out = this.walk(value ?? null, where);
    return out === NO_VALUE ? null : out;
  }

  /** A string property: resolved, and a string. */
  string(value: Json | undefined, where: string): string {
    const out = this.resolve(value, where);
    if (typeof out !== 'string' && typeof out !== 'number') throw new Error(`${where}: expected a string, got ${JSON.stringify(out)}`);
    return String(out);
  }

  private walk(value: Json, where: string): Json | typeof NO_VALUE {
    if (Array.isArray(value)) return value.map((v, i) => this.walk(v, `${where}[${i}]`)).filter((v): v is Json => v !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      const fn = keys[0];
      if (fn === 'Condition' && typeof value.Condition === 'string') return this.condition(value.Condition);
      if (fn !== 'Condition') return this.call(fn, value[fn], `${where}.${fn}`);
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.walk(v, `${where}.${k}`);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private call(fn: string, arg: Json, where: string): Json | typeof NO_VALUE {
    const list = (v: Json, n?: number): Json[] => {
      if (!Array.isArray(v) || (n !== undefined && v.length !== n)) throw new Error(`${where}: expected a list${n ? ` of ${n}` : ''}, got ${JSON.stringify(v)}`);
      return v;
    };
    switch (fn) {
      case 'Ref': {
        if (typeof arg !== 'string') throw new Error(`${where}: Ref takes a name`);
        return this.ref(arg, where);
      }
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof arg === 'string' ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : list(arg, 2).map((a, i) => (i === 1 ? this.string(a, where) : a));
        const resource = this.template.Resources[String(logicalId)];
        if (!resource) throw new Error(`${where}: Fn::GetAtt names ${String(logicalId)}, which is not a resource of the template`);
        return this.ids.getAtt(String(logicalId), resource, String(attribute));
      }
      case 'Fn::Join': {
        const [separator, items] = list(arg, 2);
        return list(this.resolve(items, where)).map((item) => this.scalar(item, where)).join(String(separator));
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : list(arg, 2);
        const variables = this.resolve(vars, where) as Record<string, Json>;
        if (typeof text !== 'string') throw new Error(`${where}: Fn::Sub takes a string`);
        return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
          if (name.startsWith('!')) return `\${${name.slice(1)}}`; // ${!Literal}
          if (name in variables) return this.scalar(variables[name], where);
          if (name.includes('.') && !name.startsWith('AWS::')) {
            return this.scalar(this.call('Fn::GetAtt', [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)], where) as Json, where);
          }
          return this.scalar(this.ref(name, where) as Json, where);
        });
      }
      case 'Fn::Select': {
        const [index, items] = list(arg, 2);
        const resolved = list(this.resolve(items, where));
        const i = Number(this.resolve(index, where));
        if (!(i >= 0 && i < resolved.length)) throw new Error(`${where}: Fn::Select index ${i} is out of range`);
        return resolved[i];
      }
      case 'Fn::Split': {
        const [separator, text] = list(arg, 2);
        return this.string(text, where).split(String(separator));
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = list(arg, 3).map((a) => this.string(a, where));
        const found = this.template.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) throw new Error(`${where}: Fn::FindInMap ${map}.${top}.${second} is not in Mappings`);
        return found;
      }
      case 'Fn::Base64':
        return Buffer.from(this.string(arg, where)).toString('base64');
      case 'Fn::If': {
        const [condition, then, otherwise] = list(arg, 3);
        return this.walk(this.condition(String(condition)) ? then : otherwise, where);
      }
      case 'Fn::Equals': {
        const [a, b] = list(arg, 2).map((v) => JSON.stringify(this.resolve(v, where)));
        return a === b;
      }
      case 'Fn::Not':
        return !this.resolve(list(arg, 1)[0], where);
      case 'Fn::And':
        return list(arg).every((v) => Boolean(this.resolve(v, where)));
      case 'Fn::Or':
        return list(arg).some((v) => Boolean(this.resolve(v, where)));
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(arg, where));
      default:
        throw new Error(`${where}: ${fn} is not resolved locally (it needs a deployed AWS account)`);
    }
  }

  private ref(name: string, where: string): Json | typeof NO_VALUE {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    if (this.template.Parameters?.[name]) {
      if (!(name in this.parameters)) throw new Error(`${where}: parameter ${name} has no default: give it a value`);
      return this.parameters[name];
    }
    const resource = this.template.Resources[name];
    if (!resource) throw new Error(`${where}: Ref names ${name}, which is neither a parameter nor a resource of the template`);
    return this.ids.ref(name, resource);
  }

  private scalar(value: Json, where: string): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`${where}: expected a string, got ${JSON.stringify(value)}`);
  }
}

/** The logical ids a raw (unresolved) value points at through Ref, Fn::GetAtt or Fn::Sub. */
export function referencedIds(value: Json | undefined): string[] {
  const ids: string[] = [];
  const visit = (v: Json | undefined) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    for (const [k, inner] of Object.entries(v)) {
      if (k === 'Ref' && typeof inner === 'string') ids.push(inner);
      else if (k === 'Fn::GetAtt') ids.push(typeof inner === 'string' ? inner.split('.')[0] : String((inner as Json[])[0]));
      else if (k === 'Fn::Sub') {
        const text = typeof inner === 'string' ? inner : (inner as Json[])[0];
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) ids.push(m[1]);
        if (Array.isArray(inner)) visit(inner[1]);
      } else visit(inner);
    }
  };
  visit(value);
  return ids;
}

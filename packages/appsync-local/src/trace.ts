/**
 * Where a request's time goes, stage by stage (issue 20, part 1): an optional record the HTTP
 * endpoint keeps for a request while a sink is attached (ApiServer.traceRequests), and hands to
 * the sink once the answer is written. The endpoint and the runtime add to it at each stage:
 *
 * - `HTTP and JSON`: reading the request, its body and JSON.parse;
 * - `token verification`: the auth mode's check of the credentials (server/auth.ts);
 * - `parse and validation`: the document (parsed and validated once per query text) and the variables;
 * - `directive checks`: the schema's auth directives and the depth limit, per field;
 * - `GraphQL execution`: graphql-js's own work between the resolvers (execute() less the resolvers);
 * - `sandbox <module>.<handler>`: each call of an APPSYNC_JS handler in its sandbox;
 * - `data source <module> <operation>`: each data source call (DynamoDB: the SDK's request, the
 *   round trip to DynamoDB and the answer's parsing);
 * - `resolver runtime`: the runtime's own work around them (ctx as JSON, errors, the outcome);
 * - `subscription publish`: a mutation's result offered to the real-time endpoint;
 * - `serialisation`: JSON.stringify of the answer and writing it.
 *
 * Zero cost when no sink is attached: every hook is behind one `trace ? … : …` test of a
 * variable that is then undefined, and no clock is read.
 */

/** One request's stages, wall-clock milliseconds, summed where a stage occurred more than once. */
export interface RequestTrace {
  /** the operation's root fields as Type.field, in the order they were resolved */
  fields: string[];
  stages: Record<string, number>;
  /** from the request's arrival in the handler to its answer written */
  totalMs: number;
}

export type TraceSink = (trace: RequestTrace) => void;

export class Trace {
  readonly fields: string[] = [];
  readonly stages: Record<string, number> = {};
  private readonly started = performance.now();

  /** Adds the time since `since` (a performance.now()) to `stage`; returns now, to chain stages. */
  add(stage: string, since: number): number {
    const now = performance.now();
    this.stages[stage] = (this.stages[stage] ?? 0) + (now - since);
    return now;
  }

  /** Adds a measured duration to `stage`. */
  addMs(stage: string, ms: number): void {
    this.stages[stage] = (this.stages[stage] ?? 0) + ms;
  }

  finish(): RequestTrace {
    return { fields: this.fields, stages: this.stages, totalMs: performance.now() - this.started };
  }
}

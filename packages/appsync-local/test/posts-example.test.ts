/**
 * A second API, not mark-api, through the package's public entry only: the posts API of AWS's
 * AppSync guide (examples/posts; its README names the page each file follows). Started with
 * startAppSyncLocal on the run's DynamoDB Local, its table created with the AWS SDK, users signed
 * in at the local pool over the Cognito Identity Provider API, subscriptions over the real-time
 * endpoint with the package's protocol client. Pages:
 * - tutorial: "Creating a simple post application using DynamoDB JavaScript resolvers",
 *   https://docs.aws.amazon.com/appsync/latest/devguide/tutorial-dynamodb-resolvers-js.html
 * - pipeline: "Example pipeline resolver with Amazon DynamoDB",
 *   https://docs.aws.amazon.com/appsync/latest/devguide/writing-code.html
 * - auth: "Configuring authorization and authentication to secure your GraphQL APIs",
 *   https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html
 * - subscriptions: https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html
 *   and https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-enhanced-filtering.html
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateTableCommand, GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { connectRealtime, dynamoDbClient, startAppSyncLocal, type AppSyncLocal, type RealtimeClient } from 'appsync-local';
import { postTable } from '../examples/posts/table';

const WIRING = new URL('../examples/posts/resolvers/wiring.json', import.meta.url).pathname;

const USERS = [
  { role: 'blogger', username: 'nadia', email: 'nadia@example.com', password: 'Nadia-Blogs-1', groups: ['Bloggers'] },
  { role: 'reader', username: 'rui', email: 'rui@example.com', password: 'Rui-Reads-1', groups: ['Readers'] },
] as const;

const POST = 'id author title content url ups downs version';

interface Post {
  id: string;
  author: string | null;
  title: string | null;
  content: string | null;
  url: string | null;
  ups: number;
  downs: number;
  version: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are arbitrary JSON
type Answer = { status: number; body: { data?: any; errors?: Array<Record<string, any>> } };
type Caller = 'blogger' | 'reader' | 'apiKey' | 'nobody';

let api: AppSyncLocal;
let dynamodb: DynamoDBClient;
let buildRoot: string;
let table: string;
const tokens: Partial<Record<Caller, string>> = {};

beforeAll(async () => {
  dynamodb = dynamoDbClient(inject('dynamodbEndpoint'));
  table = `posts_${randomBytes(3).toString('hex')}`;
  await dynamodb.send(new CreateTableCommand(postTable(table)));
  buildRoot = mkdtempSync(join(tmpdir(), 'posts-example-'));
  // builds the example's bundles (buildApi) into buildRoot, then serves them
  api = await startAppSyncLocal({
    wiringFile: WIRING,
    buildRoot,
    dynamodb,
    tables: { PostTable: table },
    auth: {
      modes: { defaultMode: 'AMAZON_COGNITO_USER_POOLS', additionalModes: ['API_KEY'] },
      userPool: { groups: ['Bloggers', 'Readers'], users: USERS },
    },
  });
  // sign in as a client does: InitiateAuth USER_PASSWORD_AUTH at the pool's endpoint
  const cognito = new CognitoIdentityProviderClient({ endpoint: api.userPool!.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'none', secretAccessKey: 'none' } });
  try {
    for (const user of USERS) {
      const out = await cognito.send(
        new InitiateAuthCommand({ ClientId: api.userPool!.pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.username, PASSWORD: user.password } }),
      );
      tokens[user.role] = out.AuthenticationResult!.AccessToken!;
    }
  } finally {
    cognito.destroy();
  }
});

afterAll(async () => {
  await api?.stop();
  dynamodb?.destroy();
  if (buildRoot) rmSync(buildRoot, { recursive: true, force: true });
});

async function gql(as: Caller, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (as === 'apiKey') headers['x-api-key'] = api.apiKey;
  else if (as !== 'nobody') headers.authorization = tokens[as]!;
  const res = await fetch(api.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const ADD = `mutation($id: ID, $author: String!, $title: String!, $content: String!, $url: String!) {
  addPost(id: $id, author: $author, title: $title, content: $content, url: $url) { ${POST} }
}`;

async function addPost(fields: { id?: string; author: string; title?: string }): Promise<Post> {
  const answer = await gql('blogger', ADD, { title: 'A title', content: 'Some content', url: 'https://example.com/', ...fields });
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data.addPost;
}

async function storedItem(id: string) {
  const out = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }));
  return out.Item;
}

const uniqueId = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

describe('the posts API through the package', () => {
  it('addPost answers the post as the tutorial shows: one up-vote, no down-vote, version 1', async () => {
    const answer = await gql('blogger', ADD, {
      id: '123',
      author: 'AUTHORNAME',
      title: 'Our first post!',
      content: 'This is our first post.',
      url: 'https://aws.amazon.com/appsync/',
    });
    expect(answer.body).toEqual({
      data: {
        addPost: {
          id: '123',
          author: 'AUTHORNAME',
          title: 'Our first post!',
          content: 'This is our first post.',
          url: 'https://aws.amazon.com/appsync/',
          ups: 1,
          downs: 0,
          version: 1,
        },
      },
    });
    expect(await storedItem('123')).toMatchObject({ author: { S: 'AUTHORNAME' }, ups: { N: '1' }, version: { N: '1' } });
  });

  it('addPost without an id stores the post under an id made by util.autoId (a UUID)', async () => {
    const post = await addPost({ author: 'AUTHORNAME', title: 'No id given' });
    expect(post.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await storedItem(post.id)).toMatchObject({ title: { S: 'No id given' } });
  });

  it('getPost, a pipeline resolver (before step, function GET_ITEM, after step), reads a post; an unknown id is null', async () => {
    const post = await addPost({ id: uniqueId('get'), author: 'Pipeline' });
    expect(api.wiring.resolvers['Query.getPost']).toEqual({ pipeline: ['GET_ITEM'] });
    const query = `query($id: ID) { getPost(id: $id) { ${POST} } }`;
    // the API key reaches the reads (Query and Post name @aws_api_key)
    api.capacity.reset();
    expect((await gql('apiKey', query, { id: post.id })).body).toEqual({ data: { getPost: post } });
    // one GetItem, by the pipeline's one function; eventually consistent, an item under 4 KB: half a read unit
    expect(api.capacity.field('Query.getPost')).toEqual({ resolutions: 1, calls: 1, readUnits: 0.5, writeUnits: 0, byCall: { GetItem: 1 } });
    expect((await gql('reader', query, { id: post.id })).body).toEqual({ data: { getPost: post } });
    expect((await gql('apiKey', query, { id: 'no-such-post' })).body).toEqual({ data: { getPost: null } });
  });

  it('updatePost sets the fields given at the expected version and bumps it; a stale version is DynamoDB:ConditionalCheckFailedException and writes nothing', async () => {
    const post = await addPost({ id: uniqueId('upd'), author: 'Editor', title: 'Draft' });
    const update = `mutation($id: ID!, $title: String, $url: String, $expectedVersion: Int!) {
      updatePost(id: $id, title: $title, url: $url, expectedVersion: $expectedVersion) { ${POST} }
    }`;
    const ok = await gql('blogger', update, { id: post.id, title: 'Final', url: null, expectedVersion: 1 });
    expect(ok.body).toEqual({ data: { updatePost: { ...post, title: 'Final', url: null, version: 2 } } });
    expect((await storedItem(post.id))!.url).toBeUndefined(); // a null argument removes the attribute

    const stale = await gql('blogger', update, { id: post.id, title: 'Lost', expectedVersion: 1 });
    expect(stale.body.data).toEqual({ updatePost: null });
    expect(stale.body.errors).toHaveLength(1);
    expect(stale.body.errors![0]).toMatchObject({ path: ['updatePost'], errorType: 'DynamoDB:ConditionalCheckFailedException' });
    expect(stale.body.errors![0].message).toMatch(/^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: \S+\)$/);
    expect(await storedItem(post.id)).toMatchObject({ title: { S: 'Final' }, version: { N: '2' } });
  });

  it('upvotePost and downvotePost count votes of any signed-in user, each a new version; a vote on no post creates nothing', async () => {
    const post = await addPost({ id: uniqueId('vote'), author: 'Voted' });
    const vote = (field: string) => gql('reader', `mutation($id: ID!) { ${field}(id: $id) { id ups downs version } }`, { id: post.id });
    expect((await vote('upvotePost')).body).toEqual({ data: { upvotePost: { id: post.id, ups: 2, downs: 0, version: 2 } } });
    expect((await vote('downvotePost')).body).toEqual({ data: { downvotePost: { id: post.id, ups: 2, downs: 1, version: 3 } } });

    const missing = await gql('reader', `mutation { upvotePost(id: "no-such-post") { id ups } }`);
    expect(missing.body.data).toEqual({ upvotePost: null });
    expect(missing.body.errors![0]).toMatchObject({ errorType: 'DynamoDB:ConditionalCheckFailedException' });
    expect(await storedItem('no-such-post')).toBeUndefined();
  });

  it('allPost pages through every post with limit and nextToken, each post once, the last page without a token', async () => {
    for (let i = 0; i < 5; i++) await addPost({ id: uniqueId('page'), author: 'Pager' });
    const stored = await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
    const expected = stored.Items!.map((item) => item.id.S!).sort();
    expect(expected.length).toBeGreaterThanOrEqual(5);

    const seen: string[] = [];
    let nextToken: string | null = null;
    let pages = 0;
    do {
      const answer: Answer = await gql('apiKey', `query($nextToken: String) { allPost(limit: 2, nextToken: $nextToken) { posts { id } nextToken } }`, { nextToken });
      expect(answer.body.errors).toBeUndefined();
      const page = answer.body.data.allPost as { posts: Array<{ id: string }>; nextToken: string | null };
      expect(page.posts.length).toBeLessThanOrEqual(2);
      seen.push(...page.posts.map((p) => p.id));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 100);
    expect(seen.sort()).toEqual(expected);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / 2));
  });

  it('allPostsByAuthor reads one author’s posts from the author-index, page by page', async () => {
    const author = uniqueId('author');
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await addPost({ id: uniqueId('by'), author })).id);
    await addPost({ id: uniqueId('by'), author: `${author}-other` });

    const query = `query($author: String!, $nextToken: String) { allPostsByAuthor(author: $author, limit: 2, nextToken: $nextToken) { posts { id author } nextToken } }`;
    const first = (await gql('reader', query, { author })).body.data.allPostsByAuthor;
    expect(first.posts).toHaveLength(2);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = (await gql('reader', query, { author, nextToken: first.nextToken })).body.data.allPostsByAuthor;
    const all = [...first.posts, ...second.posts];
    expect(all.every((p: { author: string }) => p.author === author)).toBe(true);
    expect(all.map((p: { id: string }) => p.id).sort()).toEqual(mine.sort());
  });

  it('deletePost at a stale version fails and keeps the post; at the expected version it answers the deleted post', async () => {
    const post = await addPost({ id: uniqueId('del'), author: 'Deleter' });
    const del = `mutation($id: ID!, $expectedVersion: Int) { deletePost(id: $id, expectedVersion: $expectedVersion) { ${POST} } }`;
    const stale = await gql('blogger', del, { id: post.id, expectedVersion: 7 });
    expect(stale.body.errors![0]).toMatchObject({ errorType: 'DynamoDB:ConditionalCheckFailedException' });
    expect(await storedItem(post.id)).toBeDefined();

    expect((await gql('blogger', del, { id: post.id, expectedVersion: 1 })).body).toEqual({ data: { deletePost: post } });
    expect(await storedItem(post.id)).toBeUndefined();
    expect((await gql('apiKey', `query($id: ID) { getPost(id: $id) { id } }`, { id: post.id })).body).toEqual({ data: { getPost: null } });
  });
});

describe('auth modes: Cognito user pools by default, the API key for reads', () => {
  it('writing a post takes the Bloggers group: a reader and the API key are refused field by field, and nothing is written', async () => {
    const id = uniqueId('denied');
    const variables = { id, author: 'Intruder', title: 't', content: 'c', url: 'u' };
    for (const as of ['reader', 'apiKey'] as const) {
      const answer = await gql(as, ADD, variables);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toBeNull(); // addPost is non-null: the null reaches data
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ path: ['addPost'], errorType: 'Unauthorized', message: 'Not Authorized to access addPost on type Mutation' }),
      ]);
    }
    expect(await storedItem(id)).toBeUndefined();
  });

  it('voting is for signed-in users only: the API key, which the field does not name, is refused', async () => {
    const post = await addPost({ id: uniqueId('key-vote'), author: 'Keyed' });
    const answer = await gql('apiKey', `mutation($id: ID!) { upvotePost(id: $id) { ups } }`, { id: post.id });
    expect(answer.body.errors).toEqual([expect.objectContaining({ errorType: 'Unauthorized', message: 'Not Authorized to access upvotePost on type Mutation' })]);
    expect(await storedItem(post.id)).toMatchObject({ ups: { N: '1' } });
  });

  it('a request without credentials is refused whole with 401 UnauthorizedException', async () => {
    const answer = await gql('nobody', `{ getPost(id: "123") { id } }`);
    expect(answer.status).toBe(401);
    expect(answer.body.errors![0]).toMatchObject({ errorType: 'UnauthorizedException' });
  });
});

describe('subscriptions over the real-time endpoint', () => {
  let reader: RealtimeClient;
  let viaKey: RealtimeClient;

  beforeAll(async () => {
    reader = await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey, authorization: { Authorization: tokens.reader! } });
    viaKey = await connectRealtime({ url: api.realtimeUrl, apiKey: api.apiKey });
    await Promise.all([reader.init(), viaKey.init()]);
  });

  afterAll(async () => {
    await reader?.close();
    await viaKey?.close();
  });

  const payloadOf = (message: { payload?: unknown }) => (message.payload as { data: Record<string, Post> }).data;

  it('addedPost(author:) — filtered by its argument — delivers that author’s new posts only; without the argument, every new post', async () => {
    const author = uniqueId('watched');
    expect(await reader.start('by-author', `subscription($author: String) { addedPost(author: $author) { ${POST} } }`, { author })).toMatchObject({ type: 'start_ack' });
    expect(await viaKey.start('every-post', `subscription { addedPost { id author } }`)).toMatchObject({ type: 'start_ack' });

    const other = await addPost({ id: uniqueId('unwatched'), author: `${author}-not` });
    const watched = await addPost({ id: uniqueId('watched-post'), author });

    const delivered = await reader.next((m) => m.type === 'data' && m.id === 'by-author');
    expect(payloadOf(delivered)).toEqual({ addedPost: watched });
    await viaKey.next((m) => m.type === 'data' && m.id === 'every-post' && payloadOf(m).addedPost.id === watched.id);
    // in order on one connection: the other author's post came first, and reached only the unfiltered subscription
    expect(reader.data('by-author')).toHaveLength(1);
    expect(viaKey.data('every-post').map((p) => (p as { data: { addedPost: Post } }).data.addedPost.id)).toContain(other.id);
    await Promise.all([reader.stop('by-author'), viaKey.stop('every-post')]);
  });

  it('updatedPost(id:, minUps:) — filtered by its resolver’s enhanced filter — delivers this post’s updates once it has minUps up-votes', async () => {
    const [watched, other] = [await addPost({ id: uniqueId('popular'), author: 'Votes' }), await addPost({ id: uniqueId('ignored'), author: 'Votes' })];
    const sub = `subscription($id: ID!, $minUps: Int) { updatedPost(id: $id, minUps: $minUps) { id ups version } }`;
    expect(await reader.start('popular', sub, { id: watched.id, minUps: 3 })).toMatchObject({ type: 'start_ack' });
    expect(await reader.start('any-update', sub, { id: watched.id })).toMatchObject({ type: 'start_ack' });

    const upvote = (id: string) => gql('reader', `mutation($id: ID!) { upvotePost(id: $id) { id ups version } }`, { id });
    await upvote(watched.id); // ups 2: below minUps
    await upvote(other.id); // another post
    await upvote(watched.id); // ups 3

    const popular = await reader.next((m) => m.type === 'data' && m.id === 'popular');
    expect(payloadOf(popular)).toEqual({ updatedPost: { id: watched.id, ups: 3, version: 3 } });
    await reader.next((m) => m.type === 'data' && m.id === 'any-update' && payloadOf(m).updatedPost.ups === 3);
    expect(reader.data('popular')).toHaveLength(1);
    expect(reader.data('any-update').map((p) => (p as { data: { updatedPost: Post } }).data.updatedPost)).toEqual([
      { id: watched.id, ups: 2, version: 2 },
      { id: watched.id, ups: 3, version: 3 },
    ]);
    await Promise.all([reader.stop('popular'), reader.stop('any-update')]);
  });

  it('deletedPost delivers the deleted post, with the fields the deleting mutation selected', async () => {
    const post = await addPost({ id: uniqueId('gone'), author: 'Deleted' });
    expect(await viaKey.start('deleted', `subscription { deletedPost { id author version } }`)).toMatchObject({ type: 'start_ack' });
    await gql('blogger', `mutation($id: ID!) { deletePost(id: $id) { id version } }`, { id: post.id });
    const delivered = await viaKey.next((m) => m.type === 'data' && m.id === 'deleted');
    // author was not in the mutation's selection set: AppSync gives the subscriber null for it
    expect(payloadOf(delivered)).toEqual({ deletedPost: { id: post.id, author: null, version: 1 } });
    await viaKey.stop('deleted');
  });

  // AppSync matches and shapes subscriptions on the mutation's response under its response keys:
  // a field the mutation selected only under an alias reaches subscribers as null, and an
  // argument filter on it does not match (aws/aws-appsync-community#160).
  it('a field the mutation selected only under an alias reaches subscribers as null, and a filter on it does not match', async () => {
    const author = uniqueId('aliased');
    expect(await reader.start('aliased-author', `subscription($author: String) { addedPost(author: $author) { id author } }`, { author })).toMatchObject({ type: 'start_ack' });
    expect(await viaKey.start('aliased-any', `subscription { addedPost { id author title } }`)).toMatchObject({ type: 'start_ack' });
    const id = uniqueId('aliased-post');
    const answer = await gql('blogger', `mutation($id: ID!, $author: String!) { addPost(id: $id, author: $author, title: "t", content: "c", url: "https://example.com/") { id writer: author title } }`, { id, author });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.addPost).toEqual({ id, writer: author, title: 't' });
    const delivered = await viaKey.next((m) => m.type === 'data' && m.id === 'aliased-any' && payloadOf(m).addedPost.id === id);
    expect(payloadOf(delivered)).toEqual({ addedPost: { id, author: null, title: 't' } });
    // the same author's post selected without the alias reaches the filtered subscription; the aliased one did not
    const plain = await addPost({ id: uniqueId('plain-post'), author });
    const filtered = await reader.next((m) => m.type === 'data' && m.id === 'aliased-author');
    expect(payloadOf(filtered).addedPost.id).toBe(plain.id);
    expect(reader.data('aliased-author')).toHaveLength(1);
    await Promise.all([reader.stop('aliased-author'), viaKey.stop('aliased-any')]);
  });
});

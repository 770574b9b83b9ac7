/** The deployed bundles' credential provider (functions/lib/lambda-credentials.ts): the environment's, or a clear error. */
import { describe, expect, it } from 'vitest';
import { credentialsFromEnvironment, defaultProvider } from '../functions/lib/lambda-credentials';

describe('credentials of a deployed Lambda', () => {
  it('are the execution role\'s from the environment, with the session token when there is one', () => {
    expect(credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's3cret', AWS_SESSION_TOKEN: 'tok' })).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's3cret', sessionToken: 'tok' });
    expect(credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's3cret' })).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's3cret' });
  });

  it('fail with a message that says what is missing', () => {
    expect(() => credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'AKIA1' })).toThrow(/AWS_SECRET_ACCESS_KEY/);
    expect(() => credentialsFromEnvironment({})).toThrow(/no AWS credentials in the environment/);
  });

  it('are read when a request is signed, as the SDK calls its default provider with the client config', async () => {
    const saved = { ...process.env };
    try {
      const provider = defaultProvider({ region: 'eu-west-2' });
      process.env.AWS_ACCESS_KEY_ID = 'AKIA2';
      process.env.AWS_SECRET_ACCESS_KEY = 'later';
      delete process.env.AWS_SESSION_TOKEN;
      expect(await provider()).toEqual({ accessKeyId: 'AKIA2', secretAccessKey: 'later' });
    } finally {
      process.env = saved;
    }
  });
});

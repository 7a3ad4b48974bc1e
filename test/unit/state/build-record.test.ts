import { describe, expect, it } from 'vitest';
import { parseState } from '../../../src/state/store.js';
import { checkDockerHost } from '../../../src/docker/engine.js';
import { UsageError } from '../../../src/errors.js';

const OLD = {
  version: 1,
  name: 'web',
  region: 'us-east-1',
  repository: {
    name: 'web',
    uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
    arn: 'arn:aws:ecr:us-east-1:123456789012:repository/web',
  },
  image: { uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1', tag: 'v1', digest: `sha256:${'a'.repeat(64)}` },
};

describe('the build record in state version 1', () => {
  it('loads a state written before builds were recorded, unchanged', () => {
    expect(parseState(JSON.stringify(OLD), 'old.json')).toEqual(OLD);
  });

  it('loads and keeps a build record and the image platform', () => {
    const next = {
      ...OLD,
      image: { ...OLD.image, platform: 'linux/arm64' },
      build: {
        ref: `${OLD.repository.uri}:v1`,
        tag: 'v1',
        imageId: 'sha256:abc',
        platform: 'linux/arm64',
        context: '/work/app',
        dockerfile: 'Dockerfile',
        fromANewerEcsctl: true,
      },
    };
    expect(parseState(JSON.stringify(next), 'new.json')).toEqual(next);
  });
});

describe('DOCKER_HOST', () => {
  it('says the scheme is missing, with the fix, instead of a misleading ECONNREFUSED', () => {
    expect(() => checkDockerHost({ DOCKER_HOST: '/run/user/1000/docker.sock' })).toThrow(UsageError);
    expect(() => checkDockerHost({ DOCKER_HOST: '/run/user/1000/docker.sock' })).toThrow(
      'DOCKER_HOST "/run/user/1000/docker.sock" has no scheme (unix://, tcp://, npipe:// or ssh://); did you mean unix:///run/user/1000/docker.sock?',
    );
    expect(() => checkDockerHost({ DOCKER_HOST: 'localhost:2375' })).toThrow(/did you mean tcp:\/\/localhost:2375\?/);
    for (const ok of [
      undefined,
      '',
      'unix:///var/run/docker.sock',
      'tcp://127.0.0.1:2375',
      'ssh://me@host',
      'npipe:////./pipe/docker_engine',
    ])
      expect(() => checkDockerHost({ DOCKER_HOST: ok })).not.toThrow();
  });
});

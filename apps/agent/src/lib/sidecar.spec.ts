import { promGauge, upstreamUrls } from './sidecar';

describe('upstreamUrls', () => {
  it.each([
    ['http://h:8080', 'http://h:8080/v1', 'http://h:8080'],
    ['http://h:8080/', 'http://h:8080/v1', 'http://h:8080'],
    ['http://h:8080/v1', 'http://h:8080/v1', 'http://h:8080'],
    ['https://h/proxy/v1/', 'https://h/proxy/v1', 'https://h/proxy'],
  ])('%s -> api %s, root %s', (url, api, root) => {
    expect(upstreamUrls(url)).toEqual({ api, root });
  });
});

describe('promGauge', () => {
  const text = [
    '# HELP llamacpp:requests_processing Number of requests processing.',
    '# TYPE llamacpp:requests_processing gauge',
    'llamacpp:requests_processing 2',
    'llamacpp:requests_processing_extra 9',
    'vllm:num_requests_running{model_name="m"} 3.0',
    'vllm:num_requests_waiting{model_name="m"} 1.0 1700000000',
  ].join('\n');

  it('reads plain and labelled samples, ignoring longer names with the same prefix', () => {
    expect(promGauge(text, 'llamacpp:requests_processing')).toBe(2);
    expect(promGauge(text, 'vllm:num_requests_running')).toBe(3);
    expect(promGauge(text, 'vllm:num_requests_waiting')).toBe(1);
  });

  it('is undefined for a metric that is absent', () => {
    expect(promGauge(text, 'llamacpp:requests_deferred')).toBeUndefined();
    expect(promGauge('garbage', 'x')).toBeUndefined();
  });
});

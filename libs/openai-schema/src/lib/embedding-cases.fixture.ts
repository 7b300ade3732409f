/** Embedding request cases shared by the fast validator's tests and the DTO equivalence tests. */

export const EMBEDDING_GOOD: Array<[string, Record<string, unknown>]> = [
  ['one text', { model: 'e', input: 'hello' }],
  ['texts', { model: 'e', input: ['a', 'b'] }],
  ['tokens', { model: 'e', input: [0, 1, 2] }],
  ['token arrays', { model: 'e', input: [[1], [2, 3]] }],
  ['float', { model: 'e', input: 'a', encoding_format: 'float' }],
  ['base64 and dimensions', { model: 'e', input: 'a', encoding_format: 'base64', dimensions: 256 }],
  [
    'nulls mean absent',
    { model: 'e', input: 'a', encoding_format: null, dimensions: null, user: null },
  ],
  ['user and unknown fields', { model: 'e', input: 'a', user: 'u', extra_thing: { a: 1 } }],
  ['a single long token array', { model: 'e', input: Array.from({ length: 4000 }, (_, i) => i) }],
  ['2048 texts', { model: 'e', input: Array.from({ length: 2048 }, () => 'x') }],
];

export const EMBEDDING_BAD: Array<[string, unknown, string | null, string]> = [
  ['body a string', 'x', null, 'invalid_type'],
  ['missing model', { input: 'a' }, 'model', 'missing_required_parameter'],
  ['missing input', { model: 'e' }, 'input', 'missing_required_parameter'],
  ['input a number', { model: 'e', input: 5 }, 'input', 'invalid_type'],
  ['input an object', { model: 'e', input: { text: 'a' } }, 'input', 'invalid_type'],
  ['empty input string', { model: 'e', input: '' }, 'input', 'empty_string'],
  ['empty input array', { model: 'e', input: [] }, 'input', 'empty_array'],
  ['empty text among texts', { model: 'e', input: ['a', ''] }, 'input[1]', 'empty_string'],
  ['number among texts', { model: 'e', input: ['a', 1] }, 'input[1]', 'invalid_type'],
  ['text among tokens', { model: 'e', input: [1, 'a'] }, 'input[1]', 'invalid_type'],
  ['decimal token', { model: 'e', input: [1, 2.5] }, 'input[1]', 'invalid_type'],
  ['negative token', { model: 'e', input: [-1] }, 'input[0]', 'integer_below_min_value'],
  ['empty token array', { model: 'e', input: [[1], []] }, 'input[1]', 'empty_array'],
  ['bad token in arrays', { model: 'e', input: [[1], [2, 'x']] }, 'input[1][1]', 'invalid_type'],
  ['text among token arrays', { model: 'e', input: [[1], 'a'] }, 'input[1]', 'invalid_type'],
  ['objects as inputs', { model: 'e', input: [{ a: 1 }] }, 'input[0]', 'invalid_type'],
  [
    'too many texts',
    { model: 'e', input: Array.from({ length: 2049 }, () => 'x') },
    'input',
    'array_above_max_length',
  ],
  [
    'bad encoding_format',
    { model: 'e', input: 'a', encoding_format: 'int8' },
    'encoding_format',
    'invalid_value',
  ],
  [
    'dimensions zero',
    { model: 'e', input: 'a', dimensions: 0 },
    'dimensions',
    'integer_below_min_value',
  ],
  ['dimensions decimal', { model: 'e', input: 'a', dimensions: 1.5 }, 'dimensions', 'invalid_type'],
  ['user a number', { model: 'e', input: 'a', user: 5 }, 'user', 'invalid_type'],
];

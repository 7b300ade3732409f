/** OpenAI Embeddings and Models wire types. */

/** Embedding output encodings. */
export const ENCODING_FORMATS = ['float', 'base64'] as const;
/** An embedding output encoding. */
export type EncodingFormat = (typeof ENCODING_FORMATS)[number];

/**
 * A validated `POST /v1/embeddings` body. `input` is one text, several texts, one token array or several
 * token arrays. Unknown fields are kept at runtime; a type alias so that it is assignable to
 * `Record<string, unknown>`.
 */
export type EmbeddingRequest = {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: EncodingFormat | null;
  /** Positive integer: truncate the embeddings to this many dimensions. */
  dimensions?: number | null;
  user?: string | null;
};

/** One embedding: a float array, or little-endian float32 bytes in base64 when so requested. */
export interface Embedding {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

/** Token accounting of an embeddings request. */
export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
}

/** A `POST /v1/embeddings` response body. */
export interface EmbeddingResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: EmbeddingUsage;
}

/** A model object (`GET /v1/models/{id}`). */
export interface Model {
  id: string;
  object: 'model';
  /** Unix seconds. */
  created: number;
  owned_by: string;
}

/** A models list (`GET /v1/models`). */
export interface ModelList {
  object: 'list';
  data: Model[];
}

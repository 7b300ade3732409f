#!/usr/bin/env python3
"""Writes a tiny random-weight llama-architecture GGUF, deterministic from a seed.

No model weights can be downloaded here, so the tests make their own: the tokenizer (the real
32k SentencePiece vocabulary of llama.cpp's `models/ggml-vocab-llama-spm.gguf`) is copied from
a vocabulary-only GGUF, the weights are random, the chat template is Llama 2's. The text it
generates is gibberish, but the tokens, counts, KV cache and sampling are real.

    PYTHONPATH=<llama.cpp>/gguf-py python3 make-gguf.py --vocab <vocab.gguf> --out <file.gguf>
        [--seed N] [--embd 64] [--layers 2] [--heads 4] [--ff 128] [--ctx 1024] [--embedding]

`--embedding` marks the model as an embedding model (mean pooling), so llama.cpp returns one
vector of `--embd` dimensions per input.
"""

import argparse
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter, PoolingType

# Llama 2's chat template (as in its tokenizer_config.json), which llama.cpp and node-llama-cpp
# recognise; its `[INST]` markers are plain text in the SentencePiece vocabulary.
LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}"
    "{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}"
    "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
    "{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}"
    "{% endif %}{% endfor %}"
)


def copy_tokenizer(reader: GGUFReader, writer: GGUFWriter) -> int:
    """Copies every `tokenizer.ggml.*` field; returns the vocabulary size."""
    n_vocab = 0
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer.ggml."):
            continue
        vtype = field.types[0]
        value = field.contents()
        if vtype == GGUFValueType.ARRAY:
            sub = field.types[1]
            writer.add_key_value(key, value, vtype, sub_type=sub)
            if key == "tokenizer.ggml.tokens":
                n_vocab = len(value)
        else:
            writer.add_key_value(key, value, vtype)
    if n_vocab == 0:
        sys.exit("the vocabulary GGUF has no tokenizer.ggml.tokens")
    return n_vocab


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vocab", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--embd", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff", type=int, default=128)
    p.add_argument("--ctx", type=int, default=1024)
    p.add_argument("--name", default="tiny-llama")
    p.add_argument("--embedding", action="store_true")
    a = p.parse_args()
    if a.embd % a.heads:
        sys.exit("--embd must be a multiple of --heads")

    reader = GGUFReader(a.vocab)
    rng = np.random.default_rng(a.seed)
    w = GGUFWriter(a.out, "llama")
    w.add_name(a.name)
    w.add_context_length(a.ctx)
    w.add_embedding_length(a.embd)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.heads)
    w.add_rope_dimension_count(a.embd // a.heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(0)  # all F32
    if a.embedding:
        w.add_pooling_type(PoolingType.MEAN)
    n_vocab = copy_tokenizer(reader, w)
    w.add_vocab_size(n_vocab)
    w.add_chat_template(LLAMA2_TEMPLATE)

    def rand(*shape: int, scale: float) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    e, ff = a.embd, a.ff
    w.add_tensor("token_embd.weight", rand(n_vocab, e, scale=1.0))
    for i in range(a.layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(e, dtype=np.float32))
        for t in ("attn_q", "attn_k", "attn_v", "attn_output"):
            w.add_tensor(f"blk.{i}.{t}.weight", rand(e, e, scale=e**-0.5))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(e, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", rand(ff, e, scale=e**-0.5))
        w.add_tensor(f"blk.{i}.ffn_up.weight", rand(ff, e, scale=e**-0.5))
        w.add_tensor(f"blk.{i}.ffn_down.weight", rand(e, ff, scale=ff**-0.5))
    w.add_tensor("output_norm.weight", np.ones(e, dtype=np.float32))
    out = rand(n_vocab, e, scale=1.0)
    # Random weights would now and then pick end-of-sequence and cut a test's stream short:
    # the EOS row scores 0 while the best of 32k random logits is far above it.
    eos = int(reader.fields["tokenizer.ggml.eos_token_id"].contents())
    out[eos, :] = 0.0
    w.add_tensor("output.weight", out)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
